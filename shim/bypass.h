/*
 * bypass.h: the wrappers a canary bypasses between windows (bypass.c).
 */
#ifndef MAPSAN_BYPASS_H
#define MAPSAN_BYPASS_H

/* Hands base/rebind.c the wrappers whose PLT slots may point at the real
 * functions between canary windows; from the constructor, after the
 * options are read. */
void mapsan_bypass_init(void);

#endif
