//! The demo server. `demo --help` lists the flags.

use std::process::ExitCode;

use clap::Parser;
use login_examples::{
    server::bind,
    settings::{Args, Settings},
};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let settings = match Settings::from_args(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if settings.secret_is_random {
        tracing::warn!("no --secret given: using a random one; every restart logs everybody out");
    }
    if !settings.secure_cookies {
        tracing::warn!("--insecure-cookies: cookies are sent over plain http");
    }
    let result = actix_web::rt::System::new().block_on(async move {
        let (server, addrs) = bind(settings).await?;
        for addr in &addrs {
            println!("login-actix demo listening on http://{addr}");
        }
        server.await.map_err(|e| login_examples::server::StartError::Bind(addrs[0], e))
    });
    match result {
        Ok(()) => {
            tracing::info!("server stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
