//! Generates the C header with cbindgen into $OUT_DIR/include/fixprov.h, and refreshes the
//! checked-in include/fixprov.h only when FIXPROV_UPDATE_HEADER=1. tests/header.rs fails when the
//! checked-in copy differs from a fresh one, so the header can never drift from the code.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("include");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=FIXPROV_UPDATE_HEADER");

    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let version = |key: &str| std::env::var(key).expect("cargo sets the version variables");
    config.after_includes = Some(format!(
        "\n#define FIXPROV_VERSION_MAJOR {}\n#define FIXPROV_VERSION_MINOR {}\n#define FIXPROV_VERSION_PATCH {}\n#define FIXPROV_VERSION_STRING \"{}\"",
        version("CARGO_PKG_VERSION_MAJOR"),
        version("CARGO_PKG_VERSION_MINOR"),
        version("CARGO_PKG_VERSION_PATCH"),
        version("CARGO_PKG_VERSION"),
    ));

    // mod.rs names every file of the boundary; cbindgen follows its `mod` items.
    let builder = cbindgen::Builder::new().with_config(config).with_src(root.join("src/ffi/mod.rs"));
    let bindings = builder.generate().expect("cbindgen could not generate the header");

    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    let generated = out.join("fixprov.h");
    bindings.write_to_file(&generated);
    println!("cargo:rustc-env=FIXPROV_GENERATED_HEADER={}", generated.display());

    if std::env::var("FIXPROV_UPDATE_HEADER").as_deref() == Ok("1") {
        let checked_in = root.join("include/fixprov.h");
        std::fs::create_dir_all(root.join("include")).expect("include/ is writable");
        std::fs::copy(&generated, &checked_in).expect("include/fixprov.h is writable");
    }
}
