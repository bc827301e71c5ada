//! The parts of the `rogatory` CLI that read files someone else may have written (audit
//! bundles, request files), as a library so that the fuzz targets in `fuzz/` can reach them.
//!
//! Not an API: the binary (`main.rs`) declares these modules itself and does not use this
//! library; a module added here must be one `main.rs` declares too, with what it needs.
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod attachments;
#[doc(hidden)]
pub mod bundle;
#[doc(hidden)]
pub mod connection;
#[doc(hidden)]
pub mod failure;
#[doc(hidden)]
pub mod i18n;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod request_file;
#[doc(hidden)]
pub mod vocabulary;
