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
    // Names from the source for the help texts, with the usual ones when the
    // app servers' own are unknown (after an error).
    let group = model.security_groups.get(app.security_group).map_or("web", |g| g.name.text.as_str());
    let tier = model.network.tiers.get(app.tier).map_or("app", |t| t.name.text.as_str());
    let data_tier =
        model.network.tiers.iter().find(|t| t.kind == TierKind::Isolated).map_or(tier, |t| t.name.text.as_str());
    let network = &model.network.name.text;
    let has_session_store = model.caches.iter().any(|c| c.usage != CacheUse::Application);
    if !has_session_store {
        diagnostics.push(
            Diagnostic::new(Code::NoSessionStore, format!("up to {max} app servers and no shared session store"))
                .primary(app.scaling.max_span, "more than one app server")
                .secondary(app.name.span, format!("`{}` runs Moodle", app.name.text))
                .help(format!("add a session store: `cache sessions {{ engine = redis, subnets = {network}.{data_tier}, security_group = kv }}` and `security_group kv {{ allow redis from {group} }}`. {}", if model.file_systems.is_empty() {
                    "Without one, Moodle keeps sessions as files in each server's $CFG->dataroot: users are logged out when the load balancer sends them to another server"
                } else {
                    "Without one, Moodle keeps sessions as files on the shared file system and locks them over NFS on every request"
                })),
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
        diagnostics.push(diagnostic.help(format!(
            "every app server must see the same $CFG->dataroot (and cachedir): add `file_system dataroot {{ subnets = {network}.{tier}, security_group = fs }}` and `security_group fs {{ allow nfs from {group} }}`"
        )));
    }
}
