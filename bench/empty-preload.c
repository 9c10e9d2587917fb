/*
 * empty-preload.c: a shared library with nothing in it, preloaded by
 * bench/run next to libmapsan to measure the floor of LD_PRELOAD itself:
 * the loader's work for a second library (open, map, relocate, one more
 * object in every symbol lookup) that any preloaded tool pays, before any
 * of its own start-up or wrappers.
 */
int mapsan_bench_empty_preload;
