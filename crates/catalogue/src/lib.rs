//! Requirement catalogue: schemes, requirements, statuses, conditions and cross-scheme
//! mappings, from embedded TOML data. Never does I/O beyond its embedded data.
