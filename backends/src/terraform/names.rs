//! Names: Terraform addresses and AWS physical names, both derived from
//! source names only.
//!
//! An address is a source name (`Name::as_str()`), joined with `_` to fixed
//! per-type suffixes, zone suffixes (`Zone::suffix`) or values written in the
//! source (a route's CIDR block, an email address), never to a position or a
//! count. Adding a component therefore never renames another.
//!
//! A physical name is what AWS shows and sometimes requires (a replication
//! group id, a load balancer name): the deployment name and source names,
//! lowercased and hyphenated, shortened with a hash suffix when AWS's limit
//! is smaller.

use ipnet::Ipv4Net;

/// `a_b_c` from parts.
pub fn address(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("_")
}

/// A value from the source, as an address part: letters, digits and `_`
/// only (`192.168.0.0/16` → `192_168_0_0_16`, `ops@example.edu` →
/// `ops_example_edu`).
pub fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) || trimmed.is_empty() {
        format!("n{trimmed}")
    } else {
        trimmed.to_string()
    }
}

/// A CIDR block as an address part.
pub fn cidr_label(cidr: &Ipv4Net) -> String {
    label(&cidr.to_string()).trim_start_matches('n').to_string()
}

/// A physical name AWS accepts almost everywhere: lowercase letters, digits
/// and single hyphens, starting with a letter, at most `max` characters. A
/// longer name keeps its start and ends with a hash of the whole, so two long
/// names stay distinct.
pub fn physical(parts: &[&str], max: usize) -> String {
    let mut out = String::new();
    for c in parts.join("-").chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut name = out.trim_matches('-').to_string();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "m-");
    }
    if name.len() <= max {
        return name;
    }
    let hash = format!("{:08x}", fnv1a(name.as_bytes()));
    let keep = max.saturating_sub(hash.len() + 1);
    let head = name[..keep].trim_end_matches('-');
    format!("{head}-{hash}")
}

/// FNV-1a, 32 bits: a stable hash for shortened names (not for security).
fn fnv1a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The AWS partition a region belongs to.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(cidr_label(&"192.168.0.0/16".parse().expect("a CIDR")), "192_168_0_0_16");
        assert_eq!(label("ops@example.edu"), "ops_example_edu");
        assert_eq!(label("tcp 8080"), "tcp_8080");
        assert_eq!(address(&["app", "a"]), "app_a");
    }

    #[test]
    fn physical_names() {
        assert_eq!(physical(&["moodle-prod", "moodle_db"], 63), "moodle-prod-moodle-db");
        assert_eq!(physical(&["Moodle Prod", "x"], 63), "moodle-prod-x");
        assert_eq!(physical(&["9lives", "x"], 63), "m-9lives-x");
        let long = physical(&["a-very-long-deployment-name", "a_very_long_cache_name"], 40);
        assert_eq!(long.len(), 40);
        assert!(long.starts_with("a-very-long-deployment-name-a-v"));
        let other = physical(&["a-very-long-deployment-name", "a_very_long_cache_name_2"], 40);
        assert_ne!(long, other);
    }

    #[test]
    fn partitions() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("cn-north-1"), "aws-cn");
    }
}
