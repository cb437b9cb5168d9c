//! Build script of the `mobipass` binary: embeds the Windows icon and version
//! information into `mobipass.exe`.
//!
//! Why a build script: Explorer, the taskbar and the "Apps" settings page read
//! the icon and version from the exe's resources, and only the linker can put
//! them there. The version comes from Cargo.toml (winresource reads
//! `CARGO_PKG_VERSION`), so no file repeats it. On every other platform this
//! script does nothing: Linux takes the icon from the .desktop file and macOS
//! from the .app bundle (see packaging/).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    #[cfg(windows)]
    windows::embed_icon_and_version();
}

#[cfg(windows)]
mod windows {
    /// The icon every Windows surface shows; generated from the one SVG source
    /// by assets/icons/generate.sh.
    const ICON: &str = "assets/icons/mobipass.ico";

    pub fn embed_icon_and_version() {
        println!("cargo::rerun-if-changed={ICON}");
        // Only when the target is Windows too (a Windows host may build for
        // another target, where a resource file means nothing).
        if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
            return;
        }
        let mut resource = winresource::WindowsResource::new();
        resource
            .set_icon(ICON)
            .set("ProductName", "MobiPass")
            .set(
                "FileDescription",
                "MobiPass: sign internet-bank payments offline",
            )
            .set("CompanyName", "The MobiPass developers")
            .set("LegalCopyright", "Apache License 2.0")
            .set("OriginalFilename", "mobipass.exe");
        if let Err(error) = resource.compile() {
            // A missing resource compiler must fail the build loudly: an exe
            // without icon and version would look like a foreign program.
            panic!("embedding the Windows icon and version info failed: {error}");
        }
    }
}
