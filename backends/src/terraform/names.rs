//! Physical names, derived from source names only (addresses come from the
//! plan's identity, `mhac_compiler::plan::identity`).
//!
//! A physical name is what AWS shows and sometimes requires (a replication
//! group id, a load balancer name): the deployment name and source names,
//! lowercased and hyphenated, shortened with a hash suffix when AWS's limit
//! is smaller.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
