//! Executable headers read with the `object` crate, without running anything: ELF (class,
//! machine, OS ABI, static or dynamic, interpreter), PE (machine, console or GUI subsystem) and
//! Mach-O (CPU type, file type, every slice of a universal binary).

use object::read::elf::{Dyn, ElfFile, FileHeader, ProgramHeader};
use object::read::macho::{FatArch, MachHeader, MachOFatFile, MachOFile};
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader, PeFile};
use object::{elf, macho, pe, Endianness, FileKind, Object, ReadRef};
use serde::Serialize;

use super::arch;

/// What the headers of one executable (or one slice of a universal binary) say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slice {
    /// Canonical architecture (`x86_64`, `aarch64`, …).
    pub arch: String,
    /// 32 or 64.
    pub bits: u8,
    /// `little` or `big`.
    pub endian: &'static str,
    /// `executable`, `shared library`, `object`, …
    pub kind: String,
    /// True when the file is meant to be run (and so needs the executable bit on Unix).
    pub runnable: bool,
    /// ELF only: the OS ABI byte, named (`SYSV`, `GNU/Linux`, `FreeBSD`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_abi: Option<String>,
    /// ELF only: `static`, `static-pie`, `dynamic` (for executables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linkage: Option<&'static str>,
    /// ELF only: the program interpreter (`/lib64/ld-linux-x86-64.so.2`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// PE only: `console`, `gui`, `efi-application`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsystem: Option<String>,
}

impl Slice {
    /// The fields every format has, read through `object`'s common interface.
    fn common<'d>(file: &impl Object<'d>, kind: &str, runnable: bool) -> Slice {
        let endian = if file.is_little_endian() {
            Endianness::Little
        } else {
            Endianness::Big
        };
        Slice {
            arch: arch::from_object(file.architecture(), endian),
            bits: if file.is_64() { 64 } else { 32 },
            endian: endian_name(file.is_little_endian()),
            kind: kind.to_string(),
            runnable,
            os_abi: None,
            linkage: None,
            interpreter: None,
            subsystem: None,
        }
    }
}

/// An executable's format and its slices (one, except for Mach-O universal binaries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Binary {
    /// `ELF`, `PE`, `Mach-O` or `Mach-O universal`.
    pub format: &'static str,
    /// One entry per architecture in the file.
    pub slices: Vec<Slice>,
}

impl Binary {
    /// `ELF 64-bit dynamic`, `PE32+ console`, `Mach-O 64-bit executable`, `Mach-O universal (2
    /// slices)`: the table's format column.
    pub fn describe(&self) -> String {
        let Some(first) = self.slices.first() else {
            return self.format.to_string();
        };
        let what = match (self.format, first.linkage, first.subsystem.as_deref()) {
            (_, Some(linkage), _) => linkage,
            ("PE", _, Some(subsystem)) if first.kind == "executable" => subsystem,
            _ => first.kind.as_str(),
        };
        match self.format {
            "Mach-O universal" => format!("Mach-O universal ({} slices)", self.slices.len()),
            "PE" if first.bits == 64 => format!("PE32+ {what}"),
            "PE" => format!("PE32 {what}"),
            format => format!("{format} {}-bit {what}", first.bits),
        }
    }

    /// The architectures of every slice, joined with `+`.
    pub fn arches(&self) -> String {
        let names: Vec<&str> = self.slices.iter().map(|s| s.arch.as_str()).collect();
        names.join("+")
    }

    /// True when any slice is meant to be run.
    pub fn runnable(&self) -> bool {
        self.slices.iter().any(|s| s.runnable)
    }
}

/// Why `binary` cannot be for `os` (`linux`, `windows`, `macos`), if it cannot: Linux runs ELF
/// (System V or GNU/Linux ABI), Windows PE, macOS Mach-O.
pub fn os_problem(os: &str, binary: &Binary) -> Option<String> {
    let fits = match os {
        "linux" => {
            binary.format == "ELF"
                && binary
                    .slices
                    .iter()
                    .all(|s| matches!(s.os_abi.as_deref(), Some("SYSV" | "GNU/Linux")))
        }
        "windows" => binary.format == "PE",
        "macos" => binary.format.starts_with("Mach-O"),
        _ => true,
    };
    if fits {
        return None;
    }
    let abi = binary
        .slices
        .first()
        .and_then(|s| s.os_abi.as_deref())
        .filter(|a| !matches!(*a, "SYSV" | "GNU/Linux"))
        .map(|a| format!(" ({a} ABI)"))
        .unwrap_or_default();
    let wanted = match os {
        "linux" => "ELF",
        "windows" => "PE",
        _ => "Mach-O",
    };
    Some(format!(
        "{}{abi} but the name says {os}, which runs {wanted}",
        binary.describe()
    ))
}

/// True when `magic` (the first bytes of a file) looks like an ELF, PE or Mach-O file, so that
/// reading the rest of an archive member is worth it.
pub fn looks_binary(magic: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"\x7fELF",
        b"MZ",
        &[0xfe, 0xed, 0xfa, 0xce],
        &[0xfe, 0xed, 0xfa, 0xcf],
        &[0xce, 0xfa, 0xed, 0xfe],
        &[0xcf, 0xfa, 0xed, 0xfe],
        &[0xca, 0xfe, 0xba, 0xbe],
        &[0xca, 0xfe, 0xba, 0xbf],
    ];
    MAGICS.iter().any(|m| magic.starts_with(m))
}

/// Reads the headers of an executable. `Ok(None)` when the data is not ELF, PE or Mach-O;
/// `Err` with the reason when it claims to be one but its headers are broken.
pub fn inspect<'d, R: ReadRef<'d>>(data: R) -> Result<Option<Binary>, String> {
    let kind = match FileKind::parse(data) {
        Ok(kind) => kind,
        // Too short or unknown magic: not an executable at all.
        Err(_) => return Ok(None),
    };
    let err = |e: object::Error| e.to_string();
    let slices = match kind {
        FileKind::Elf32 => vec![elf_slice(
            &ElfFile::<elf::FileHeader32<Endianness>, R>::parse(data).map_err(err)?,
        )],
        FileKind::Elf64 => vec![elf_slice(
            &ElfFile::<elf::FileHeader64<Endianness>, R>::parse(data).map_err(err)?,
        )],
        FileKind::Pe32 => vec![pe_slice(
            &PeFile::<pe::ImageNtHeaders32, R>::parse(data).map_err(err)?,
        )],
        FileKind::Pe64 => vec![pe_slice(
            &PeFile::<pe::ImageNtHeaders64, R>::parse(data).map_err(err)?,
        )],
        FileKind::MachO32 => vec![macho_slice(
            &MachOFile::<macho::MachHeader32<Endianness>, R>::parse(data).map_err(err)?,
        )],
        FileKind::MachO64 => vec![macho_slice(
            &MachOFile::<macho::MachHeader64<Endianness>, R>::parse(data).map_err(err)?,
        )],
        FileKind::MachOFat32 => fat_slices(
            &MachOFatFile::<macho::FatArch32>::parse(data).map_err(err)?,
            data,
        )?,
        FileKind::MachOFat64 => fat_slices(
            &MachOFatFile::<macho::FatArch64>::parse(data).map_err(err)?,
            data,
        )?,
        _ => return Ok(None),
    };
    let format = match kind {
        FileKind::Elf32 | FileKind::Elf64 => "ELF",
        FileKind::Pe32 | FileKind::Pe64 => "PE",
        FileKind::MachO32 | FileKind::MachO64 => "Mach-O",
        _ => "Mach-O universal",
    };
    let binary = Binary { format, slices };
    Ok(Some(binary))
}

fn endian_name(little: bool) -> &'static str {
    if little {
        "little"
    } else {
        "big"
    }
}

fn os_abi_name(value: u8) -> String {
    match value {
        elf::ELFOSABI_SYSV => "SYSV".to_string(),
        elf::ELFOSABI_GNU => "GNU/Linux".to_string(),
        elf::ELFOSABI_NETBSD => "NetBSD".to_string(),
        elf::ELFOSABI_SOLARIS => "Solaris".to_string(),
        elf::ELFOSABI_FREEBSD => "FreeBSD".to_string(),
        elf::ELFOSABI_OPENBSD => "OpenBSD".to_string(),
        elf::ELFOSABI_ARM => "ARM".to_string(),
        elf::ELFOSABI_STANDALONE => "standalone".to_string(),
        other => format!("OS ABI {other}"),
    }
}

fn elf_slice<'d, Elf, R>(file: &ElfFile<'d, Elf, R>) -> Slice
where
    Elf: FileHeader<Endian = Endianness>,
    R: ReadRef<'d>,
{
    let endian = file.endian();
    let header = file.elf_header();
    let data = file.data();
    let mut interpreter = None;
    let mut pie_flag = false;
    for segment in file.elf_program_headers() {
        if let Ok(Some(interp)) = segment.interpreter(endian, data) {
            interpreter = Some(String::from_utf8_lossy(interp).into_owned());
        }
        if let Ok(Some(entries)) = segment.dynamic(endian, data) {
            pie_flag |= entries.iter().any(|d| {
                d.tag(endian) == elf::DT_FLAGS_1 && d.val(endian) & u64::from(elf::DF_1_PIE) != 0
            });
        }
    }
    let (kind, runnable, linkage) = match header.e_type(endian) {
        elf::ET_EXEC if interpreter.is_some() => ("executable", true, Some("dynamic")),
        elf::ET_EXEC => ("executable", true, Some("static")),
        elf::ET_DYN if interpreter.is_some() => ("executable", true, Some("dynamic")),
        elf::ET_DYN if pie_flag => ("executable", true, Some("static-pie")),
        elf::ET_DYN => ("shared library", false, None),
        elf::ET_REL => ("object", false, None),
        elf::ET_CORE => ("core dump", false, None),
        _ => ("unknown ELF type", false, None),
    };
    Slice {
        os_abi: Some(os_abi_name(header.e_ident().os_abi)),
        linkage,
        interpreter,
        ..Slice::common(file, kind, runnable)
    }
}

fn pe_slice<'d, Pe, R>(file: &PeFile<'d, Pe, R>) -> Slice
where
    Pe: ImageNtHeaders,
    R: ReadRef<'d>,
{
    let headers = file.nt_headers();
    let subsystem = match headers.optional_header().subsystem() {
        pe::IMAGE_SUBSYSTEM_WINDOWS_CUI => "console".to_string(),
        pe::IMAGE_SUBSYSTEM_WINDOWS_GUI => "gui".to_string(),
        pe::IMAGE_SUBSYSTEM_NATIVE => "native".to_string(),
        pe::IMAGE_SUBSYSTEM_EFI_APPLICATION => "efi-application".to_string(),
        other => format!("subsystem {other}"),
    };
    let dll = headers
        .file_header()
        .characteristics
        .get(object::LittleEndian)
        & pe::IMAGE_FILE_DLL
        != 0;
    // Windows has no executable bit: never `runnable` in that sense.
    Slice {
        subsystem: Some(subsystem),
        ..Slice::common(file, if dll { "DLL" } else { "executable" }, false)
    }
}

fn macho_slice<'d, Mach, R>(file: &MachOFile<'d, Mach, R>) -> Slice
where
    Mach: MachHeader<Endian = Endianness>,
    R: ReadRef<'d>,
{
    let endian = file.endian();
    let (kind, runnable) = match file.macho_header().filetype(endian) {
        macho::MH_EXECUTE => ("executable", true),
        macho::MH_DYLIB => ("dynamic library", false),
        macho::MH_BUNDLE => ("bundle", false),
        macho::MH_OBJECT => ("object", false),
        macho::MH_DYLINKER => ("dynamic linker", false),
        _ => ("other Mach-O type", false),
    };
    Slice::common(file, kind, runnable)
}

fn fat_slices<'d, Fat: FatArch, R: ReadRef<'d>>(
    fat: &MachOFatFile<'d, Fat>,
    data: R,
) -> Result<Vec<Slice>, String> {
    let mut slices = Vec::new();
    for (i, entry) in fat.arches().iter().enumerate() {
        let bytes = entry
            .data(data)
            .map_err(|e| format!("universal binary slice {i}: {e}"))?;
        match inspect(bytes)? {
            Some(inner) => slices.extend(inner.slices),
            None => {
                return Err(format!(
                    "universal binary slice {i} ({}) is not a Mach-O file",
                    arch::from_object(entry.architecture(), Endianness::Little)
                ))
            }
        }
    }
    Ok(slices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_not_a_binary() {
        assert_eq!(inspect(&b"#!/bin/sh\necho hi\n"[..]), Ok(None));
        assert_eq!(inspect(&b""[..]), Ok(None));
        assert!(!looks_binary(b"#!/bin/sh"));
        assert!(looks_binary(b"\x7fELF\x02"));
    }

    #[test]
    fn truncated_elf_is_an_error_not_a_panic() {
        let data = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00";
        assert!(inspect(&data[..]).is_err());
    }

    #[test]
    fn the_test_binary_itself_is_read() {
        // The unit-test executable is an ELF/Mach-O/PE for the host: a real binary at hand.
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let data = std::fs::read(exe).unwrap();
        let binary = inspect(&data[..]).unwrap().unwrap();
        assert_eq!(binary.slices.len(), 1);
        assert_eq!(binary.slices[0].arch, std::env::consts::ARCH);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_behind_a_magic_never_panic(
            magic in proptest::sample::select(vec![
                b"\x7fELF\x02\x01\x01".to_vec(),
                b"\x7fELF\x01\x02\x01".to_vec(),
                b"MZ".to_vec(),
                vec![0xcf, 0xfa, 0xed, 0xfe],
                vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2],
            ]),
            rest in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        ) {
            let mut data = magic;
            data.extend(rest);
            let _ = inspect(&data[..]);
        }
    }
}
