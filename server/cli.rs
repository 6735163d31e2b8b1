//! The command line: one binary, subcommands.

use std::io::{Read, Write};

use clap::{Parser, Subcommand};
use diesel::prelude::*;

use crate::app::Application;
use crate::config::Config;
use crate::db::{self, now};
use crate::schema::{organizations, users};

#[derive(Parser, Debug)]
#[command(
    name = "techmarket",
    version,
    about = "Technology transfer marketplace: needs, achievements, brokers, contract registration and policy rewards"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default when no command is given). Migrations run on start.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a program-officer account for the office of a region (officers never sign up themselves).
    CreateOfficer {
        /// The officer's e-mail address (the log-in name).
        #[arg(long)]
        email: String,
        /// The officer's name.
        #[arg(long)]
        name: String,
        /// The GB/T 2260 code of the office's region, e.g. 630100 for 西宁市; the officer reviews only this region.
        #[arg(long)]
        region: String,
        /// The office's name; default: the region's name followed by 科学技术局.
        #[arg(long)]
        office: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Rebuild the search index from the database (the embedded index, or Meilisearch when MEILI_URL is
    /// set). While a server holds the embedded index, every listing is queued for that server instead.
    Reindex,
    /// Fill an empty database with a demo market (organizations, needs, achievements) and print
    /// sign-in accounts for each role.
    SeedDemo,
    /// Reward programs.
    Rewards {
        #[command(subcommand)]
        command: RewardsCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum RewardsCommand {
    /// Evaluate a scenario file (JSON, see rewards.md) with the server's engine, without a database.
    /// FILE `-` reads standard input. Exit codes: 0 awards on stdout; 2 a bad scenario (the message
    /// names the field); 1 output could not be written; 3 the built-in catalogue is invalid.
    Evaluate {
        /// The scenario file, or - for standard input.
        file: String,
    },
}

fn load_config() -> Result<Config, i32> {
    Config::load().map_err(|e| {
        eprintln!("{e}");
        2
    })
}

/// Runs the command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate => {
            let Ok(config) = load_config() else { return 2 };
            match db::connect(&config.database_url, 1).and_then(|p| db::migrate(&p)) {
                Ok(n) => {
                    println!("{n} migration(s) applied");
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    1
                }
            }
        }
        Command::SeedDemo => seed_demo(),
        Command::Reindex => reindex(),
        Command::Rewards {
            command: RewardsCommand::Evaluate { file },
        } => {
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            let stderr = std::io::stderr();
            crate::rewards::cli::evaluate_command(&file, &mut stdin.lock(), &mut stdout.lock(), &mut stderr.lock())
        }
        Command::CreateOfficer {
            email,
            name,
            region,
            office,
            password_stdin,
        } => create_officer(&email, &name, &region, office, password_stdin),
    }
}

fn reindex() -> i32 {
    let Ok(config) = load_config() else { return 2 };
    let pool = match db::connect(&config.database_url, 2).and_then(|p| db::migrate(&p).map(|_| p)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    match crate::index::open_engine(&config) {
        Ok(engine) => match crate::search::rebuild(&pool, engine.as_ref()) {
            Ok(n) => {
                println!("search index rebuilt ({}): {n} published listings", engine.name());
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        },
        Err(e) if config.meili_url.is_none() => {
            // Another process (the running server) holds the embedded index: let it do the work.
            match crate::search::enqueue_all(&pool) {
                Ok(n) => {
                    println!("the search index is in use ({e});");
                    println!("queued {n} listings: the running server re-indexes them from its outbox");
                    0
                }
                Err(e2) => {
                    eprintln!("error: {e}; and queueing failed: {e2}");
                    1
                }
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn seed_demo() -> i32 {
    let Ok(config) = load_config() else { return 2 };
    let pool = match db::connect(&config.database_url, 2).and_then(|p| db::migrate(&p).map(|_| p)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    match crate::seed::seed_demo(&pool) {
        Ok(s) => {
            println!(
                "demo market created: {} organizations and brokers, {} needs, {} achievements",
                s.organizations, s.demands, s.achievements
            );
            println!(
                "sign in at {} with these accounts (password for all: {}):",
                config.base_url, s.password
            );
            for a in &s.accounts {
                println!("  {:<20} {:<44} {}", a.role, a.email, a.org);
            }
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn serve() -> i32 {
    let Ok(config) = load_config() else { return 2 };
    let bind = config.bind;
    let backend = config.backend();
    let sys = actix_web::rt::System::new();
    sys.block_on(async move {
        let app = match Application::build(config) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        };
        log::info!(
            "techmarket listening on http://{}:{} ({:?})",
            bind.ip(),
            app.port(),
            backend
        );
        println!("techmarket: serving on http://{}:{}", bind.ip(), app.port());
        match app.run_until_stopped().await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        }
    })
}

fn create_officer(email: &str, name: &str, region: &str, office: Option<String>, password_stdin: bool) -> i32 {
    let Ok(config) = load_config() else { return 2 };
    let Some(email) = crate::auth::normalize_email(email) else {
        eprintln!("error: --email '{email}' is not an e-mail address");
        return 2;
    };
    let name = name.trim().to_string();
    if name.is_empty() {
        eprintln!("error: --name is empty");
        return 2;
    }
    let region = match crate::regions::validate(region.trim()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: --region: {e}");
            return 2;
        }
    };
    let (password, generated) = if password_stdin {
        let mut s = String::new();
        if std::io::stdin().read_to_string(&mut s).is_err() {
            eprintln!("error: cannot read the password from standard input");
            return 2;
        }
        (s.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (crate::auth::random_token()[..20].to_string(), true)
    };
    if let Some(key) = crate::auth::password_problem(&password, &[&email, &name]) {
        eprintln!("error: password: {}", crate::i18n::t(crate::i18n::Lang::En, key));
        return 2;
    }
    let office = office.unwrap_or_else(|| format!("{}科学技术局", region.name));
    let hash = match crate::auth::hash_password(&password) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let pool = match db::connect(&config.database_url, 1).and_then(|p| db::migrate(&p).map(|_| p)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let result = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
        db::write_tx::<_, diesel::result::Error, _>(&mut conn, |conn| {
            if users::table
                .filter(users::email.eq(&email))
                .count()
                .get_result::<i64>(conn)?
                > 0
            {
                return Ok(Err(format!("an account with {email} exists already")));
            }
            let existing: Option<i64> = organizations::table
                .filter(organizations::kind.eq(crate::vocabulary::OrgKind::Government))
                .filter(organizations::region_code.eq(region.code))
                .filter(organizations::name.eq(&office))
                .select(organizations::id)
                .first(conn)
                .optional()?;
            let t = now();
            let org_id = match existing {
                Some(id) => id,
                None => diesel::insert_into(organizations::table)
                    .values((
                        organizations::kind.eq(crate::vocabulary::OrgKind::Government),
                        organizations::name.eq(&office),
                        organizations::region_code.eq(region.code),
                        organizations::verification.eq(crate::vocabulary::Verification::Verified),
                        organizations::verified_at.eq(Some(t)),
                        organizations::created_at.eq(t),
                    ))
                    .returning(organizations::id)
                    .get_result(conn)?,
            };
            diesel::insert_into(users::table)
                .values((
                    users::org_id.eq(org_id),
                    users::email.eq(&email),
                    users::name.eq(&name),
                    users::password_hash.eq(&hash),
                    users::role.eq("officer"),
                    users::is_admin.eq(false),
                    users::officer_region.eq(Some(region.code)),
                    users::email_verified_at.eq(Some(t)),
                    users::created_at.eq(t),
                ))
                .execute(conn)?;
            Ok(Ok(()))
        })
        .map_err(|e| e.to_string())
    });
    match result {
        Ok(Ok(())) => {
            let out = std::io::stdout();
            let mut out = out.lock();
            let _ = writeln!(
                out,
                "officer {email} created for {} ({}), office {office}",
                region.name, region.code
            );
            if generated {
                let _ = writeln!(out, "password (shown once): {password}");
            }
            0
        }
        Ok(Err(msg)) => {
            eprintln!("error: {msg}");
            2
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
