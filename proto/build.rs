//! Compiles the `.proto` files with protox (pure Rust), so a build needs no system `protoc`.
//! The descriptor set is also kept for gRPC server reflection.

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/rogatory/v1/envelope.proto",
        "proto/rogatory/v1/federation.proto",
        "proto/rogatory/v1/audit_log.proto",
        "proto/rogatory/v1/operator.proto",
        "proto/rogatory/v1/roster.proto",
        "proto/rogatory/v1/search.proto",
        "proto/rogatory/v1/attention.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["proto"])?;
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("rogatory_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
