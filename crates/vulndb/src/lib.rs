//! Offline vulnerability store (NVD 2.0, OSV, CISA KEV, EPSS) and component matching.
//! Never fetches from the network at assessment time.
