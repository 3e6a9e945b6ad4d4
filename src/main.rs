//! The thin binary: everything lives in the library so tests and benchmarks can reach it.
fn main() {
    std::process::exit(ecs_doctor::app::main());
}
