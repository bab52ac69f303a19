//! `mhac init [FILE] [--zones N] [--engine E] [--profile P]`: write a
//! starter source (`mhac_graph::init`). An existing file is never
//! replaced: that is a usage error (exit 2).

use super::fail;
use crate::EXIT_OK;
use crate::args::{InitEngine, InitProfile};
use crate::output::write_new_atomic;
use mhac_graph::init::{Engine, Options, Profile, starter};
use std::io::Write;
use std::path::Path;

pub fn run(file: &Path, zones: u8, engine: InitEngine, profile: InitProfile) -> u8 {
    let name = file.display();
    if file.exists() {
        return fail(&format!(
            "{name} already exists; mhac init never overwrites a file: remove it, or name a new one (`mhac init other.mha`)"
        ));
    }
    let options = Options {
        zones: usize::from(zones),
        engine: match engine {
            InitEngine::Mysql => Engine::Mysql,
            InitEngine::Postgres => Engine::Postgres,
            InitEngine::Mariadb => Engine::Mariadb,
        },
        profile: match profile {
            InitProfile::Prod => Profile::Prod,
            InitProfile::Dev => Profile::Dev,
        },
    };
    let text = match starter(options) {
        Ok(text) => text,
        Err(error) => return fail(&error.to_string()),
    };
    match write_new_atomic(file, text.as_bytes()) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return fail(&format!("{name} already exists; mhac init never overwrites a file"));
        }
        Err(error) => return fail(&format!("cannot write {name}: {error}")),
    }
    let _ = writeln!(
        std::io::stderr(),
        "wrote {name}: {} zones, {}, {} profile. Next: `mhac check {name}`, `mhac graph {name} -o moodle.svg`",
        options.zones,
        options.engine.as_str(),
        options.profile.as_str()
    );
    EXIT_OK
}
