//! Diagnostics: the stable codes, their severities and long explanations,
//! and the [`Diagnostic`] value every phase produces.
//!
//! A phase never stops at the first problem: it pushes diagnostics into a
//! [`Diagnostics`] collection and carries on. Rendering (miette, JSON) is in
//! [`crate::render`]; this module holds only data.

use crate::span::Span;
use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is. Errors stop code generation; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks `build`, `plan` and `apply`; `check` exits 1.
    Error,
    /// Reported, but the deployment still builds.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// How a rule behaves under `profile = dev`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevProfile {
    /// Same severity in every profile.
    Same,
    /// An error in `prod`, a warning in `dev`.
    Relaxed,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $dev:ident, $title:literal;)*) => {
        /// Every diagnostic code mhac can emit. Codes are stable: a code is
        /// never reused for a different problem.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = $title]
                $variant,
            )*
        }

        impl Code {
            /// All codes, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in output, `MHA201`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// The severity in the `prod` profile.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),* }
            }

            /// Whether `profile = dev` relaxes the code to a warning.
            pub fn dev_profile(self) -> DevProfile {
                match self { $(Code::$variant => DevProfile::$dev),* }
            }

            /// A one-line title for the code (used by SARIF rules and `explain`).
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }

            /// The long explanation that `mhac explain CODE` prints (Markdown).
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/explanations/", $code, ".md"))),*
                }
            }
        }
    };
}

codes! {
    // Input and syntax.
    Syntax = "MHA001", Error, Same, "syntax error";
    InvalidEscape = "MHA002", Error, Same, "invalid escape in a string";
    TooDeep = "MHA003", Error, Same, "input nested too deeply";
    InvalidInput = "MHA004", Error, Same, "input is not valid UTF-8 text or is too large";
    // Structure, names and types.
    UnknownBlock = "MHA101", Error, Same, "unknown block";
    UnknownAttribute = "MHA102", Error, Same, "unknown attribute";
    MissingAttribute = "MHA103", Error, Same, "missing required attribute";
    DuplicateAttribute = "MHA104", Error, Same, "attribute set twice";
    DuplicateName = "MHA105", Error, Same, "name defined twice";
    TypeMismatch = "MHA106", Error, Same, "value of the wrong type";
    UnknownName = "MHA107", Error, Same, "unknown name";
    WrongKind = "MHA108", Error, Same, "reference to the wrong kind of component";
    InvalidValue = "MHA109", Error, Same, "value not allowed here";
    BlockCount = "MHA110", Error, Same, "missing or repeated singleton block";
    NameCollision = "MHA111", Error, Same, "names that produce the same resource identifier";
    MisplacedRule = "MHA112", Error, Same, "rule not allowed in this block";
    InvalidParam = "MHA113", Error, Same, "invalid parameter declaration";
    OutOfRange = "MHA114", Error, Same, "number out of range";
    UnusedParam = "MHA115", Warning, Same, "parameter declared but never used";
    InstanceTypeNotOffered = "MHA116", Error, Same, "instance type not offered in the region";
    EngineVersionNotOffered = "MHA117", Error, Same, "engine version AWS does not offer";
    ArchitectureMismatch = "MHA118", Error, Same, "instance type and image of different architectures";
    RejectedByAws = "MHA119", Error, Same, "value AWS does not accept for the property";
    ReservedWord = "MHA120", Error, Same, "reserved word used as a name";
    TooManyTags = "MHA121", Error, Same, "more tags than a resource may carry";
    // Network and zones.
    UnknownRegion = "MHA201", Error, Same, "unknown region";
    UnknownZone = "MHA202", Error, Same, "unknown availability zone";
    ZoneOutsideRegion = "MHA203", Error, Same, "zone outside the deployment's region";
    TooFewZones = "MHA204", Error, Relaxed, "fewer than two zones";
    DuplicateZone = "MHA205", Error, Same, "zone listed twice";
    TierZoneMismatch = "MHA206", Error, Same, "tier without exactly one subnet per zone";
    InvalidCidr = "MHA207", Error, Same, "invalid CIDR block";
    HostBitsSet = "MHA208", Error, Same, "CIDR block with host bits set";
    PrefixOutOfRange = "MHA209", Error, Same, "prefix length outside /16 to /28";
    SubnetOutsideVpc = "MHA210", Error, Same, "subnet outside the VPC's CIDR block";
    SubnetOverlap = "MHA211", Error, Same, "overlapping subnets";
    SubnetTooSmallForLoadBalancer = "MHA212", Error, Same, "subnet too small for a load balancer";
    SubnetTooSmallForScaling = "MHA213", Error, Same, "subnet too small for the app servers' maximum";
    VpnRouteOverlap = "MHA214", Error, Same, "VPN route overlaps the VPC";
    CustomerGatewayNotPublic = "MHA215", Error, Same, "customer gateway address is not a public IPv4 address";
    NoEgress = "MHA216", Error, Same, "private tier with no way out";
    SingleNat = "MHA217", Warning, Same, "one NAT gateway for several zones";
    NatWithoutPublicTier = "MHA218", Error, Same, "NAT gateways need a public tier";
    InvalidIp = "MHA219", Error, Same, "invalid IPv4 address";
    // Placement.
    LoadBalancerNotPublic = "MHA301", Error, Same, "load balancer outside a public tier";
    LoadBalancerOneZone = "MHA302", Error, Same, "load balancer in fewer than two zones";
    PublicPlacement = "MHA303", Error, Same, "private component in a public tier";
    DatabaseOneZone = "MHA304", Error, Same, "database subnet group in fewer than two zones";
    SingleAzDatabase = "MHA305", Error, Relaxed, "database without Multi-AZ";
    ScalingBelowZones = "MHA306", Error, Relaxed, "fewer app servers than zones";
    ScalingMaxBelowMin = "MHA307", Error, Same, "scaling maximum below minimum";
    SharedLoadBalancer = "MHA308", Error, Same, "load balancer in front of several app server groups";
    NoLoadBalancer = "MHA309", Error, Relaxed, "app servers behind no load balancer";
    // Security groups.
    OpenToInternet = "MHA401", Error, Same, "internet source outside the load balancer's web ports";
    RemoteShellOpen = "MHA402", Error, Same, "SSH or RDP open while access is through Session Manager";
    MissingPath = "MHA403", Error, Same, "traffic path not allowed by the security groups";
    DataTierExposed = "MHA404", Error, Same, "data-tier group reachable from outside the app tier";
    UnusedGroup = "MHA405", Warning, Same, "security group used by no component";
    UnknownService = "MHA406", Error, Same, "unknown service in an allow rule";
    InvalidPort = "MHA407", Error, Same, "invalid port range";
    DuplicateRule = "MHA408", Warning, Same, "rule allowed twice";
    // Moodle.
    UnknownMoodleVersion = "MHA501", Error, Same, "unknown Moodle version";
    EngineBelowFloor = "MHA502", Error, Same, "database engine version below Moodle's floor";
    NoSessionStore = "MHA503", Warning, Same, "several app servers and no shared session store";
    NoSharedDataroot = "MHA504", Warning, Same, "dataroot not on a shared file system";
    WafBlocksUploads = "MHA505", Warning, Same, "WAF rule that blocks Moodle uploads";
    UnsupportedEngine = "MHA506", Error, Same, "database engine Moodle does not support";
    SiteSchemeMismatch = "MHA507", Error, Same, "site address and load balancer protocol disagree";
    CodeReleaseMismatch = "MHA508", Error, Same, "site code of another Moodle release";
    NoSite = "MHA509", Warning, Same, "app servers with no site to run";
    PhpUnsupported = "MHA510", Error, Same, "PHP version or setting the Moodle release does not support";
    SiteWithoutDatabase = "MHA511", Error, Same, "site without exactly one database and app servers";
    HealthCheckOverridden = "MHA512", Warning, Same, "health check path other than the site's health endpoint";
    UserDataTooLarge = "MHA513", Error, Same, "app servers' user data larger than EC2 takes";
    MalformedDomain = "MHA514", Error, Same, "malformed domain name";
    SenderOutsideDomain = "MHA515", Error, Same, "sender address outside the domain SES verifies";
    DomainOutsideZone = "MHA516", Error, Same, "domain outside its hosted zone";
    SesNotInRegion = "MHA517", Error, Same, "Amazon SES not offered in the region";
    NoRouteToSes = "MHA518", Error, Same, "app servers with no route to the SES endpoint";
    AddressAndDomain = "MHA519", Error, Same, "site address written beside its domain";
    NoCertificate = "MHA520", Error, Same, "HTTPS listener with no certificate";
    // Security posture.
    LiteralSecret = "MHA601", Error, Same, "password or secret written in the source";
    EncryptionDisabled = "MHA602", Error, Relaxed, "encryption at rest turned off";
    DeletionProtectionDisabled = "MHA603", Error, Same, "stateful resource without deletion protection";
    NoHttps = "MHA604", Error, Relaxed, "load balancer without HTTPS";
    HttpNotRedirected = "MHA605", Error, Same, "plain HTTP served instead of redirected";
    NoBackups = "MHA606", Error, Relaxed, "database without automated backups";
    // Monitoring.
    AlarmUnknownComponent = "MHA701", Error, Same, "alarm on a component that does not exist";
    AlarmUnknownMetric = "MHA702", Error, Same, "alarm on a metric the component does not have";
    AlarmDuration = "MHA703", Error, Same, "alarm duration CloudWatch cannot evaluate";
    DuplicateAlarm = "MHA704", Error, Same, "two alarms on the same metric and comparison";
    AlarmsWithoutNotify = "MHA705", Warning, Same, "alarms that notify nobody";
    InvalidEmail = "MHA706", Error, Same, "invalid notification address";
    // Deployment (plan, apply).
    MissingParamValue = "MHA801", Error, Same, "required parameter without a value";
    // Preflight against the account (plan, apply): compiler/src/preflight.rs.
    CertificateNotFound = "MHA802", Error, Same, "the HTTPS certificate does not exist";
    CertificateNotIssued = "MHA803", Error, Same, "the HTTPS certificate is not issued";
    CertificateWrongRegion = "MHA804", Error, Same, "the HTTPS certificate is in another region";
    CertificateDoesNotCover = "MHA805", Error, Same, "the HTTPS certificate does not cover the site's name";
    NoShieldSubscription = "MHA806", Error, Same, "Shield Advanced without an active subscription";
    InstanceTypeNotInZone = "MHA807", Error, Same, "instance type not offered in a zone of the deployment";
    DbClassNotOrderable = "MHA808", Error, Same, "database class not orderable for the engine and version";
    CacheNodeTypeNotOffered = "MHA809", Error, Same, "cache node type not offered in the region";
    ImageNotFound = "MHA810", Error, Same, "the image does not exist";
    ImageArchitecture = "MHA811", Error, Same, "the image's architecture does not match the instance type";
    QuotaExceeded = "MHA812", Error, Same, "not enough quota left for the deployment";
    WrongAccountOrRegion = "MHA813", Error, Same, "the credentials are for another account or region";
    PreflightForbidden = "MHA814", Warning, Same, "a preflight check the account does not permit";
    PreflightUnavailable = "MHA815", Warning, Same, "a preflight check the service could not answer";
    HostedZoneNotFound = "MHA816", Error, Same, "the hosted zone is not one public zone of the account";
    SesSandbox = "MHA817", Warning, Same, "Amazon SES is still in the sandbox";
    // Generated output.
    IdentityCollision = "MHA901", Error, Same, "two parts of the deployment get the same name in the output";
}

impl Code {
    /// Parse `MHA201` (case-insensitive).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A labelled span: what a diagnostic points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is wrong there, or why the span is involved.
    pub message: String,
    /// Whether this is the main location of the diagnostic.
    pub primary: bool,
}

/// One problem found in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning, after the profile has been applied.
    pub severity: Severity,
    /// A one-line message.
    pub message: String,
    /// Every span involved; the first primary label is the main location.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default (`prod`) severity.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic { code, severity: code.severity(), message: message.into(), labels: Vec::new(), help: None }
    }

    /// Add the primary label.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: true });
        self
    }

    /// Add a secondary label.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into(), primary: false });
        self
    }

    /// Set the help text.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The main location: the first primary label, or the first label.
    pub fn span(&self) -> Span {
        self.labels
            .iter()
            .find(|label| label.primary)
            .or(self.labels.first())
            .map_or(Span::default(), |label| label.span)
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of one run, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    relaxed: bool,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Apply `profile = dev`: codes that the profile relaxes become warnings,
    /// including those already reported.
    pub fn relax(&mut self) {
        self.relaxed = true;
        for diagnostic in &mut self.items {
            if diagnostic.code.dev_profile() == DevProfile::Relaxed {
                diagnostic.severity = Severity::Warning;
            }
        }
    }

    /// Record a diagnostic, applying the profile to its severity.
    pub fn push(&mut self, mut diagnostic: Diagnostic) {
        if self.relaxed && diagnostic.code.dev_profile() == DevProfile::Relaxed {
            diagnostic.severity = Severity::Warning;
        }
        self.items.push(diagnostic);
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The diagnostics, sorted by position (then code) for stable output.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| (d.span().start, d.span().end, d.code));
        self.items.dedup();
        self.items
    }

    /// Whether any of the diagnostics recorded after the first `since` is an
    /// error.
    pub fn errors_since(&self, since: usize) -> bool {
        self.items.iter().skip(since).any(Diagnostic::is_error)
    }

    /// Number of diagnostics so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Append others (already profiled).
    pub fn extend(&mut self, others: impl IntoIterator<Item = Diagnostic>) {
        for diagnostic in others {
            self.push(diagnostic);
        }
    }
}

/// The closest candidate to `name`, if one is close enough to be a likely
/// typo (Jaro-Winkler over 0.8, or a small edit distance for short names).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    let length = name.chars().count();
    for candidate in candidates {
        // Names of very different lengths are not typos of each other, and
        // the edit distance of a huge name costs its length times memory.
        let candidate_length = candidate.chars().count();
        if candidate == name || length.abs_diff(candidate_length) > length.min(candidate_length).max(8) {
            continue;
        }
        let score = strsim::jaro_winkler(&name.to_ascii_lowercase(), &candidate.to_ascii_lowercase());
        let close = score > 0.8 || strsim::damerau_levenshtein(name, candidate) <= name.len().min(candidate.len()) / 3;
        if close && best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((candidate, score));
        }
    }
    best.map(|(candidate, _)| candidate)
}

/// `help:` text for an unknown name: "did you mean `x`?" or the list of
/// valid names when it is short.
pub fn suggestion_help(name: &str, what: &str, candidates: &[&str]) -> String {
    if let Some(best) = did_you_mean(name, candidates.iter().copied()) {
        return format!("did you mean `{best}`?");
    }
    match candidates.len() {
        0 => format!("declare the {what} first"),
        1..=12 => format!(
            "the {what}s here are: {}",
            candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ),
        _ => format!("check the spelling of the {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_ordered() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert!(!code.explanation().trim().is_empty(), "{code} has an empty explanation");
            assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(did_you_mean("netwrok", ["network", "vpn"]), Some("network"));
        assert_eq!(did_you_mean("xyz", ["network", "vpn"]), None);
        assert_eq!(did_you_mean("wbe", ["web", "alb", "db"]), Some("web"));
    }
}
