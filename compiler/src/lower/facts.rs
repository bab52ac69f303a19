//! Single values checked against what AWS accepts (`crate::aws`, generated
//! from the data AWS publishes): instance types offered in the region,
//! engine versions, architectures, ARNs and AMI ids, tags, database names.
//! Each check reports at the value's span with the fact it broke, and
//! returns whether the value passed, so the caller keeps a neutral value
//! otherwise.

use super::Ctx;
use crate::ast::MapEntry;
use crate::aws::{self, Architecture, InstanceKind};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::model::Deployment;
use crate::span::Span;

/// At most this many choices are listed in a help text.
const LISTED: usize = 12;

fn listed<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.into_iter().collect();
    let mut out = items.iter().take(LISTED).map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
    if items.len() > LISTED {
        out.push_str(&format!(" and {} more", items.len() - LISTED));
    }
    out
}

impl Ctx<'_> {
    /// An instance type (`m6i.large`, `db.r6g.large`, `cache.t4g.medium`):
    /// one that exists (MHA109 otherwise) and that the deployment's region
    /// offers, for the engine where it matters (MHA116 otherwise). Without
    /// a known region only existence is checked.
    pub(super) fn instance_type(
        &mut self,
        text: &str,
        span: Span,
        kind: InstanceKind<'_>,
        deployment: &Deployment,
    ) -> bool {
        let prefix = kind.prefix();
        let what = match kind {
            InstanceKind::Ec2 => "an EC2 instance type".to_string(),
            InstanceKind::Rds(engine) => format!("an RDS instance class for {engine}"),
            InstanceKind::Cache => "an ElastiCache node type".to_string(),
        };
        if !aws::exists(kind, text) {
            let help = match aws::split_type(kind, text) {
                Some((family, size)) if !aws::family_sizes(kind, family).is_empty() => {
                    let sizes = aws::family_sizes(kind, family);
                    match did_you_mean(size, sizes.iter().copied()) {
                        Some(best) => format!(
                            "did you mean `{prefix}{family}.{best}`? The sizes of {prefix}{family} are {}",
                            listed(sizes.iter().copied())
                        ),
                        None => format!("the sizes of {prefix}{family} are {}", listed(sizes.iter().copied())),
                    }
                }
                Some((family, size)) => match did_you_mean(family, aws::families(kind)) {
                    Some(best) => format!("did you mean `{prefix}{best}.{size}`?"),
                    None => format!("write `{prefix}FAMILY.SIZE`, such as `{prefix}{}`", example(kind)),
                },
                None => format!("write `{prefix}FAMILY.SIZE`, such as `{prefix}{}`", example(kind)),
            };
            let message = match aws::split_type(kind, text) {
                Some((family, _)) if !aws::family_sizes(kind, family).is_empty() => {
                    format!("`{text}` is not a size that {prefix}{family} comes in")
                }
                _ => format!("`{text}` is not {what}"),
            };
            self.report(Diagnostic::new(Code::InvalidValue, message).primary(span, "unknown instance type").help(help));
            return false;
        }
        let region = deployment.region.as_str();
        let Some((family, size)) = aws::split_type(kind, text) else { return true };
        let Some(sizes) = aws::offered_sizes(kind, region, family) else { return true };
        if sizes.contains(&size) {
            return true;
        }
        let elsewhere = aws::regions_offering(kind, text);
        // Types of the same size in families of the same class (`m`, `r`)
        // that the region does offer.
        let class = family.chars().next().unwrap_or('m');
        let alternatives: Vec<String> = aws::families(kind)
            .into_iter()
            .filter(|f| f.starts_with(class))
            .filter(|f| aws::offered_sizes(kind, region, f).is_some_and(|sizes| sizes.contains(&size)))
            .map(|f| format!("{prefix}{f}.{size}"))
            .collect();
        let help = if !sizes.is_empty() {
            format!("{region} offers {prefix}{family} in {}", listed(sizes.iter().copied()))
        } else if !alternatives.is_empty() {
            format!("{region} offers {}", listed(alternatives.iter().rev().map(String::as_str)))
        } else if elsewhere.is_empty() {
            format!("no region offers `{text}` as {what}; choose another family")
        } else {
            format!("choose a family {region} offers; `{text}` is offered in {}", listed(elsewhere.iter().copied()))
        };
        let message = match kind {
            InstanceKind::Rds(engine) => format!("RDS for {engine} does not offer `{text}` in {region}"),
            _ => format!("`{text}` is not offered in {region}"),
        };
        self.report(
            Diagnostic::new(Code::InstanceTypeNotOffered, message)
                .primary(span, format!("not {what} in {region}"))
                .secondary(deployment.region_span, format!("the deployment is in {region}"))
                .help(help),
        );
        false
    }

    /// An RDS engine version as written (`8.0`, `16`, `8.0.42`): a major
    /// version with a minor version RDS creates, or such a minor version
    /// (MHA117).
    pub(super) fn rds_engine_version(&mut self, engine: &str, version: &str, span: Span) -> bool {
        let Some(versions) = aws::facts().rds_engine_versions.get(engine) else { return true };
        if versions.majors.contains_key(version) || versions.versions.iter().any(|v| v == version) {
            return true;
        }
        let majors: Vec<&str> = versions.majors.keys().map(String::as_str).collect();
        let help = match did_you_mean(version, majors.iter().copied()) {
            Some(best) => {
                format!("did you mean {engine}(\"{best}\")? RDS creates {engine} {}", listed(majors.iter().copied()))
            }
            None => format!("RDS creates {engine} {}", listed(majors.iter().copied())),
        };
        self.report(
            Diagnostic::new(Code::EngineVersionNotOffered, format!("RDS does not create {engine} {version}"))
                .primary(span, "not a version RDS offers")
                .help(help),
        );
        false
    }

    /// An ElastiCache engine version (MHA117).
    pub(super) fn cache_engine_version(&mut self, engine: &str, version: &str, span: Span) -> bool {
        let Some(versions) = aws::facts().cache_engine_versions.get(engine) else { return true };
        if versions.iter().any(|v| v == version) {
            return true;
        }
        self.report(
            Diagnostic::new(Code::EngineVersionNotOffered, format!("ElastiCache does not create {engine} {version}"))
                .primary(span, "not a version ElastiCache offers")
                .help(format!(
                    "use one of {}, or leave `version` out for the engine's current default",
                    listed(versions.iter().map(String::as_str))
                )),
        );
        false
    }

    /// The instance type's processor and the image's must be the same
    /// (MHA118).
    pub(super) fn architectures_agree(&mut self, instance_type: (&str, Span), image: (&str, Span)) {
        let (Some(machine), Some(built_for)) = (aws::architecture(instance_type.0), aws::image_architecture(image.0))
        else {
            return;
        };
        if machine == built_for {
            return;
        }
        let help = match machine {
            Architecture::Mac => {
                "Mac instances run only on dedicated hosts, which an Auto Scaling group cannot use: choose an x86_64 or arm64 instance type".to_string()
            }
            Architecture::Arm64 => format!(
                "use the arm64 image, `{}`, or an x86_64 instance type such as `m7i.large`",
                image.0.replace(built_for.as_str(), machine.as_str())
            ),
            Architecture::X86_64 => format!(
                "use the x86_64 image, `{}`, or a Graviton (arm64) instance type such as `m7g.large`",
                image.0.replace(built_for.as_str(), machine.as_str())
            ),
        };
        self.report(
            Diagnostic::new(
                Code::ArchitectureMismatch,
                format!(
                    "`{}` is {}, and the image is built for {}",
                    instance_type.0,
                    machine.as_str(),
                    built_for.as_str()
                ),
            )
            .primary(instance_type.1, format!("an {} instance type", machine.as_str()))
            .secondary(image.1, format!("an {} image", built_for.as_str()))
            .help(help),
        );
    }

    /// A value checked against a property's rules in the resource schema
    /// (and cfn-lint's format for it): MHA119.
    pub(super) fn aws_property(
        &mut self,
        text: &str,
        span: Span,
        resource: &str,
        path: &str,
        what: &str,
        example: &str,
    ) -> bool {
        let Some(rule) = aws::property(resource, path) else { return true };
        let patterns: Vec<&str> = rule.pattern.iter().chain(&rule.format_pattern).map(String::as_str).collect();
        let Some(problem) = aws::text_problem(text, rule.min_length, rule.max_length, &patterns) else { return true };
        self.report(
            Diagnostic::new(Code::RejectedByAws, format!("{resource} would refuse `{}` as its {path}", clip(text)))
                .primary(span, format!("{what}: {problem}"))
                .help(format!("write {what} such as {example}")),
        );
        false
    }

    /// The deployment's tags: keys and values AWS accepts on every resource
    /// type mhac tags (MHA119), no key in AWS's reserved `aws:` prefix
    /// (MHA120), and few enough to leave room for mhac's own (MHA121).
    pub(super) fn tags(&mut self, entries: &[(&MapEntry, String)], map_span: Span) {
        let rules = &aws::facts().tags;
        for (entry, value) in entries {
            let key = entry.key.text.as_str();
            if key.to_ascii_lowercase().starts_with(&rules.reserved_prefix) {
                self.report(
                    Diagnostic::new(
                        Code::ReservedWord,
                        format!("tag key `{}` uses the reserved `{}` prefix", clip(key), rules.reserved_prefix),
                    )
                    .primary(entry.key.span, "AWS keeps tag keys starting with `aws:` for itself")
                    .help(format!(
                        "drop the `{}` prefix, or use your organisation's own, such as `acme:{}`",
                        rules.reserved_prefix,
                        &key[rules.reserved_prefix.len()..]
                    )),
                );
                continue;
            }
            for (text, span, rule, part) in
                [(key, entry.key.span, &rules.key, "key"), (value.as_str(), entry.value.span, &rules.value, "value")]
            {
                // U+FFFD stands for bytes that were not UTF-8, already
                // reported (MHA004).
                if text.contains('\u{FFFD}') {
                    continue;
                }
                let patterns: Vec<&str> = rule.patterns.iter().map(String::as_str).collect();
                if let Some(problem) = aws::text_problem(text, Some(rule.min_length), rule.max_length, &patterns) {
                    self.report(
                        Diagnostic::new(Code::RejectedByAws, format!("tag {part} `{}` is refused by some of the resources mhac tags", clip(text)))
                            .primary(span, format!("a tag {part}: {problem}"))
                            .help(format!(
                                "tag {part}s are {} to {} letters, digits, spaces and `_ . : / = + - @` (the strictest rule of the {} resource types mhac tags, such as load balancers and CloudWatch alarms)",
                                rule.min_length,
                                rule.max_length.unwrap_or(256),
                                rules.applies_to.len()
                            )),
                    );
                }
            }
        }
        let own: Vec<&MapEntry> =
            entries.iter().map(|(entry, _)| *entry).filter(|e| !rules.mhac_tags.contains(&e.key.text)).collect();
        if own.len() > rules.max_user_tags {
            let mut diagnostic = Diagnostic::new(
                Code::TooManyTags,
                format!("{} tags, and a deployment may set at most {}", own.len(), rules.max_user_tags),
            )
            .primary(map_span, format!("{} tags", own.len()));
            if let Some(first_extra) = own.get(rules.max_user_tags) {
                diagnostic = diagnostic
                    .secondary(first_extra.key.span, format!("tag {} of {}", rules.max_user_tags + 1, own.len()));
            }
            self.report(diagnostic.help(format!(
                "a resource carries at most {} tags; mhac adds {} ({}) and keeps room for {} more of its own: remove {} tag{}",
                rules.max_per_resource,
                rules.mhac_tags.len(),
                rules.mhac_tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
                rules.max_per_resource - rules.mhac_tags.len() - rules.max_user_tags,
                own.len() - rules.max_user_tags,
                if own.len() - rules.max_user_tags == 1 { "" } else { "s" }
            )));
        }
    }

    /// The initial database's name: RDS's rules for the engine (MHA119),
    /// and not a word the engine reserves (MHA120).
    pub(super) fn db_name(&mut self, name: &str, span: Span, engine: &str, engine_span: Span) -> bool {
        let Some(rule) = aws::facts().db_names.get(engine) else { return true };
        if let Some(problem) = aws::text_problem(name, Some(1), Some(rule.max_length), &[rule.pattern.as_str()]) {
            self.report(
                Diagnostic::new(
                    Code::RejectedByAws,
                    format!("RDS for {engine} would refuse `{}` as a database name", clip(name)),
                )
                .primary(span, format!("a database name: {problem}"))
                .secondary(engine_span, format!("the engine is {engine}"))
                .help(format!(
                    "use 1 to {} letters, digits and `_`, starting with a letter: \"moodle\"",
                    rule.max_length
                )),
            );
            return false;
        }
        if rule.is_reserved(name) {
            self.report(
                Diagnostic::new(Code::ReservedWord, format!("`{name}` is a reserved word in {engine}"))
                    .primary(span, "RDS refuses a database name the engine reserves")
                    .secondary(engine_span, format!("the engine is {engine}"))
                    .help(format!("choose another name, such as \"moodle\" or \"{}_db\"", name.to_ascii_lowercase())),
            );
            return false;
        }
        true
    }
}

/// A type name of a kind, for help texts.
fn example(kind: InstanceKind<'_>) -> &'static str {
    match kind {
        InstanceKind::Ec2 => "m7i.large",
        InstanceKind::Rds(_) => "r7g.large",
        InstanceKind::Cache => "t4g.medium",
    }
}

/// A value shortened for a message.
fn clip(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}
