fn main() {
    std::process::exit(dockwright::main_exit_code());
}
