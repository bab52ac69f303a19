//! Moodle rules: database floors for the Moodle version, and what a cluster
//! of more than one app server needs (a shared session store, a shared
//! POSIX dataroot).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::*;
use crate::stdlib::{stdlib, version_at_least};

pub(super) fn check(model: &Model, diagnostics: &mut Diagnostics) {
    floors(model, diagnostics);
    cluster(model, diagnostics);
}

fn floors(model: &Model, diagnostics: &mut Diagnostics) {
    let Some(moodle) = stdlib().moodle.versions.get(&model.deployment.moodle) else { return };
    for database in &model.databases {
        let Some(floor) = moodle.engines.get(database.engine.as_str()) else { continue };
        if database.version.is_empty() || version_at_least(&database.version, floor) {
            continue;
        }
        diagnostics.push(
            Diagnostic::new(
                Code::EngineBelowFloor,
                format!(
                    "Moodle {} needs {} {floor} or later; `{}` runs {}",
                    model.deployment.moodle,
                    database.engine.as_str(),
                    database.name.text,
                    database.version
                ),
            )
            .primary(
                database.engine_span,
                format!("{} {} is below the floor", database.engine.as_str(), database.version),
            )
            .secondary(
                model.deployment.moodle_span,
                format!("Moodle {} requires {} {floor}", model.deployment.moodle, database.engine.as_str()),
            )
            .help(format!("use `engine = {}(\"{floor}\")` or later, or an older Moodle", database.engine.as_str())),
        );
    }
}

fn cluster(model: &Model, diagnostics: &mut Diagnostics) {
    let Some(app) = model
        .app_servers
        .iter()
        .find(|a| a.scaling.max > 1)
        .or_else(|| (model.app_servers.len() > 1).then(|| &model.app_servers[0]))
    else {
        return;
    };
    let max: u32 = model.app_servers.iter().map(|a| a.scaling.max).sum();
    let has_session_store = model.caches.iter().any(|c| c.usage != CacheUse::Application);
    if !has_session_store {
        diagnostics.push(
            Diagnostic::new(Code::NoSessionStore, format!("up to {max} app servers and no shared session store"))
                .primary(app.scaling.max_span, "more than one app server")
                .secondary(app.name.span, format!("`{}` runs Moodle", app.name.text))
                .help("Moodle keeps sessions in files on the app server by default: users are logged out when the load balancer sends them elsewhere or an instance is replaced. Add `cache sessions { engine = redis, subnets = main.data, security_group = kv }` and `security_group kv { allow redis from web }`"),
        );
    }
    if model.file_systems.is_empty() {
        let mut diagnostic = Diagnostic::new(
            Code::NoSharedDataroot,
            format!("up to {max} app servers and no shared file system for $CFG->dataroot"),
        )
        .primary(app.scaling.max_span, "more than one app server")
        .secondary(app.name.span, format!("`{}` runs Moodle", app.name.text));
        for bucket in &model.buckets {
            diagnostic = diagnostic.secondary(
                bucket.name.span,
                "S3 only offloads Moodle's file pool (tool_objectfs); it is not a dataroot",
            );
        }
        diagnostics.push(diagnostic.help(
            "every app server must see the same $CFG->dataroot (and cachedir): add `file_system dataroot { subnets = main.app, security_group = fs }` and `security_group fs { allow nfs from web }`",
        ));
    }
}
