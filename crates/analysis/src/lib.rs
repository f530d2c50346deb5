//! Firmware analysers over the unpacked tree, one module per family, one file per check.
//! Never renders, never touches the network.
