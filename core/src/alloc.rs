//! The memory allocator of every `tg-*` binary: mimalloc instead of the system's.
//!
//! Every stage builds and drops many small JSON values (strings, maps); with glibc's malloc,
//! allocation and freeing took a quarter of tg-transform's time. mimalloc cut tg-transform's
//! CPU time by about a fifth and the whole-graph stages' by a tenth (`cargo xtask bench`), for
//! about 15 s of extra build (it compiles one C file). Declared here, in the crate every binary
//! links, so that no binary can forget it; no other crate may declare a global allocator.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
