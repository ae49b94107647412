//! The test GitHub Releases API server as a process, for benchmarks and manual runs:
//! `cargo run --release --example github-test-server -- --port 8080 [--discard]`.
//! Prints the API root (`--api-url`) on stdout and serves until killed. The token it accepts is
//! `$GITHUB_TEST_SERVER_TOKEN` (default: the test token).

#[path = "mod.rs"]
mod github_server;

fn main() {
    let mut config = github_server::Config::default();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse().ok()).unwrap_or(0),
            "--discard" => config.keep_bytes = false,
            "--owner" => config.owner = args.next().unwrap_or(config.owner),
            "--repo" => config.repo = args.next().unwrap_or(config.repo),
            other => {
                eprintln!("github-test-server: unknown argument {other}; use --port N, --discard, --owner O, --repo R");
                std::process::exit(2);
            }
        }
    }
    if let Ok(token) = std::env::var("GITHUB_TEST_SERVER_TOKEN") {
        config.token = token;
    }
    let server = github_server::Server::start_on(config, port);
    println!("{}", server.api_url());
    loop {
        std::thread::park();
    }
}
