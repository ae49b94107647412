//! Architecture names: the canonical spelling artifact-check reports (Rust's target names:
//! `x86_64`, `aarch64`, …), the aliases release files and Debian use (`amd64`, `arm64`, …), and
//! what a file name says about its architecture and operating system.

use object::{Architecture, Endianness};

/// Aliases people write, mapped to the canonical name. Longest first so `x86_64` wins over `x86`.
const ALIASES: &[(&str, &str)] = &[
    ("x86_64", "x86_64"),
    ("x86-64", "x86_64"),
    ("amd64", "x86_64"),
    ("x64", "x86_64"),
    ("aarch64", "aarch64"),
    ("arm64", "aarch64"),
    ("armv7l", "arm"),
    ("armv7", "arm"),
    ("armhf", "arm"),
    ("armel", "arm"),
    ("arm", "arm"),
    ("i686", "x86"),
    ("i586", "x86"),
    ("i386", "x86"),
    ("x86", "x86"),
    ("riscv64gc", "riscv64"),
    ("riscv64", "riscv64"),
    ("ppc64el", "powerpc64le"),
    ("ppc64le", "powerpc64le"),
    ("powerpc64le", "powerpc64le"),
    ("ppc64", "powerpc64"),
    ("powerpc64", "powerpc64"),
    ("s390x", "s390x"),
    ("loongarch64", "loongarch64"),
    ("loong64", "loongarch64"),
    ("mips64el", "mips64"),
    ("mips64", "mips64"),
    ("mipsel", "mips"),
    ("mips", "mips"),
    ("wasm32", "wasm32"),
];

/// The canonical name of an architecture alias (`amd64` → `x86_64`), or `None` when unknown.
pub fn canonical(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    ALIASES.iter().find(|(a, _)| *a == lower).map(|(_, c)| *c)
}

/// The canonical name of the architecture `object` read from a header.
pub fn from_object(arch: Architecture, endian: Endianness) -> String {
    let name = match arch {
        Architecture::X86_64 => "x86_64",
        Architecture::X86_64_X32 => "x86_64-x32",
        Architecture::I386 => "x86",
        Architecture::Aarch64 => "aarch64",
        Architecture::Aarch64_Ilp32 => "aarch64-ilp32",
        Architecture::Arm => "arm",
        Architecture::Riscv32 => "riscv32",
        Architecture::Riscv64 => "riscv64",
        Architecture::PowerPc => "powerpc",
        Architecture::PowerPc64 if endian == Endianness::Little => "powerpc64le",
        Architecture::PowerPc64 => "powerpc64",
        Architecture::S390x => "s390x",
        Architecture::LoongArch32 => "loongarch32",
        Architecture::LoongArch64 => "loongarch64",
        Architecture::Mips => "mips",
        Architecture::Mips64 | Architecture::Mips64_N32 => "mips64",
        Architecture::Sparc64 => "sparc64",
        Architecture::Wasm32 => "wasm32",
        Architecture::Wasm64 => "wasm64",
        other => return format!("{other:?}").to_ascii_lowercase(),
    };
    name.to_string()
}

/// The canonical architecture of a Debian `Architecture:` value, `None` for `all`/`any` and
/// values this tool does not know.
pub fn from_debian(deb_arch: &str) -> Option<&'static str> {
    match deb_arch {
        "amd64" => Some("x86_64"),
        "arm64" => Some("aarch64"),
        "armhf" | "armel" => Some("arm"),
        "i386" => Some("x86"),
        "ppc64el" => Some("powerpc64le"),
        "ppc64" => Some("powerpc64"),
        "riscv64" => Some("riscv64"),
        "s390x" => Some("s390x"),
        "loong64" => Some("loongarch64"),
        "mips64el" => Some("mips64"),
        "mipsel" => Some("mips"),
        _ => None,
    }
}

/// Splits a file name into the words release names are made of, keeping `x86_64` and `x86-64`
/// whole.
fn words(name: &str) -> Vec<String> {
    static WORD: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let lower = name.to_ascii_lowercase();
    match WORD.get_or_init(|| regex::Regex::new("x86[_-]64|[a-z0-9]+").ok()) {
        Some(re) => re
            .find_iter(&lower)
            .map(|m| m.as_str().to_string())
            .collect(),
        None => Vec::new(),
    }
}

/// The architecture a file name announces (`app-1.0-linux-arm64.tar.gz` → `aarch64`), the
/// canonical names of every alias found; more than one means the name is ambiguous.
/// `universal` (macOS universal binaries) stands for `x86_64` and `aarch64` together.
pub fn from_file_name(name: &str) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = Vec::new();
    for word in words(name) {
        let hits: Vec<&'static str> = if word == "universal" || word == "universal2" {
            vec!["x86_64", "aarch64"]
        } else {
            canonical(&word).into_iter().collect()
        };
        for hit in hits {
            if !found.contains(&hit) {
                found.push(hit);
            }
        }
    }
    found
}

/// The operating system a file name announces: `linux`, `windows` or `macos`.
pub fn os_from_file_name(name: &str) -> Option<&'static str> {
    for word in words(name) {
        match word.as_str() {
            "linux" | "musl" | "gnu" | "deb" | "rpm" => return Some("linux"),
            "windows" | "win" | "win32" | "win64" | "msvc" | "exe" | "msi" => {
                return Some("windows")
            }
            "macos" | "darwin" | "osx" | "apple" | "mac" | "dmg" => return Some("macos"),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_canonical() {
        assert_eq!(canonical("AMD64"), Some("x86_64"));
        assert_eq!(canonical("arm64"), Some("aarch64"));
        assert_eq!(canonical("sparc"), None);
    }

    #[test]
    fn file_names_announce_architectures() {
        assert_eq!(
            from_file_name("app-1.2.3-linux-x86_64.tar.gz"),
            vec!["x86_64"]
        );
        assert_eq!(from_file_name("app_1.2.3_arm64.deb"), vec!["aarch64"]);
        assert_eq!(
            from_file_name("app-x86_64-unknown-linux-gnu.zip"),
            vec!["x86_64"]
        );
        assert_eq!(
            from_file_name("app-macos-universal"),
            vec!["x86_64", "aarch64"]
        );
        assert!(from_file_name("README.md").is_empty());
        assert_eq!(from_file_name("app-amd64-arm64"), vec!["x86_64", "aarch64"]);
    }

    #[test]
    fn file_names_announce_operating_systems() {
        assert_eq!(
            os_from_file_name("app-x86_64-pc-windows-msvc.zip"),
            Some("windows")
        );
        assert_eq!(
            os_from_file_name("app-aarch64-apple-darwin.tar.gz"),
            Some("macos")
        );
        assert_eq!(os_from_file_name("app_1.0_amd64.deb"), Some("linux"));
        assert_eq!(os_from_file_name("app.tar.gz"), None);
    }

    #[test]
    fn debian_architectures_map_to_canonical_names() {
        assert_eq!(from_debian("amd64"), Some("x86_64"));
        assert_eq!(from_debian("all"), None);
    }
}
