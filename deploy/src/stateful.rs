//! Stateful resources: replacing or removing them loses data (a database, a
//! cache, a file system, a bucket), so `apply` refuses unless the user names
//! them with `--allow-replace`.

/// The stateful resource types (scripts/gen-create-only.py reads this list
/// from here).
pub const TYPES: &[&str] = &[
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::CacheCluster",
    "AWS::EFS::FileSystem",
    "AWS::S3::Bucket",
];

/// Whether a resource type holds data.
pub fn is_stateful(resource_type: &str) -> bool {
    TYPES.contains(&resource_type)
}

#[cfg(test)]
mod tests {
    #[test]
    fn classification() {
        assert!(super::is_stateful("AWS::RDS::DBInstance"));
        assert!(super::is_stateful("AWS::S3::Bucket"));
        assert!(!super::is_stateful("AWS::S3::BucketPolicy"));
        assert!(!super::is_stateful("AWS::EC2::VPC"));
    }
}
