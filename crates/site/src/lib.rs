//! Manufacturer web evidence: security.txt (RFC 9116), disclosure policy, support period.
//! Never reads firmware.
