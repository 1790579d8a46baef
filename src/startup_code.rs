//! Unmaps the binary's code and read-only data once start-up has settled.
//!
//! Resident memory counts every page of the binary the process has mapped.
//! Start-up runs code that never runs again (configuration layers,
//! migrations, building the actor system and the routes), and on kernels
//! that map a whole large folio per fault (Linux 6.18 on ext4 does) its
//! neighbours come along: measured, about 3 MiB of code stayed resident at
//! idle that idle never touches. `MADV_DONTNEED` on the binary's read-only,
//! file-backed segments drops those mappings. The pages stay in the system's
//! file cache, and whatever runs again maps them back with a minor fault (no
//! disk read). Mapped executable pages are also the ones the kernel keeps
//! longest under pressure, so unmapped start-up code is what a small box
//! reclaims first.
//!
//! Only segments without write permission are touched: they hold exactly
//! the file's bytes. A binary with text relocations (never produced by the
//! Rust toolchain, checked anyway) is left alone, since discarding its
//! relocated pages would undo them.

use std::ops::Range;

/// Drops the mappings of the program's read-only segments; returns how many
/// bytes of address space were released (0 where this is not supported).
pub fn release() -> usize {
    read_only_segments()
        .into_iter()
        .filter(unmap)
        .map(|range| range.len())
        .sum()
}

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
fn unmap(range: &Range<usize>) -> bool {
    // SAFETY: the range is whole pages inside one of the program's own
    // read-only, file-backed PT_LOAD segments (see `read_only_segments`);
    // dropping such pages only means the next access reads them again from
    // the file, which holds the same bytes.
    unsafe {
        libc::madvise(
            range.start as *mut libc::c_void,
            range.len(),
            libc::MADV_DONTNEED,
        ) == 0
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
fn unmap(_range: &Range<usize>) -> bool {
    false
}

/// The page-aligned address ranges of the program's loaded segments that
/// have no write permission: code, constants, unwinding tables. Empty when
/// the program has text relocations or on other platforms.
#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
pub fn read_only_segments() -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = Vec::new();
    // SAFETY: `visit` only reads the headers glibc hands it, for the duration
    // of the call, and writes to `found`, which outlives the call.
    unsafe {
        libc::dl_iterate_phdr(
            Some(elf::visit),
            (&mut found as *mut Vec<Range<usize>>).cast(),
        );
    }
    found
}

#[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
pub fn read_only_segments() -> Vec<Range<usize>> {
    Vec::new()
}

#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
mod elf {
    use std::ffi::{c_int, c_void};
    use std::ops::Range;

    const DT_NULL: i64 = 0;
    const DT_TEXTREL: i64 = 22;
    const DT_FLAGS: i64 = 30;
    const DF_TEXTREL: u64 = 0x4;

    /// `Elf64_Dyn`: an entry of the dynamic section.
    #[repr(C)]
    struct Dyn {
        tag: i64,
        val: u64,
    }

    /// `dl_iterate_phdr`'s callback. The first object it is given is the
    /// program itself; the walk stops there.
    pub unsafe extern "C" fn visit(
        info: *mut libc::dl_phdr_info,
        _size: usize,
        data: *mut c_void,
    ) -> c_int {
        // SAFETY: glibc passes a valid `dl_phdr_info` whose `dlpi_phdr`
        // points at `dlpi_phnum` program headers, and `data` is the vector
        // `read_only_segments` passed in.
        let (info, found) = unsafe { (&*info, &mut *data.cast::<Vec<Range<usize>>>()) };
        let headers = if info.dlpi_phdr.is_null() {
            &[][..]
        } else {
            unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) }
        };
        let base = info.dlpi_addr as usize;
        if !has_text_relocations(base, headers) {
            found.extend(read_only(base, headers, page_size()));
        }
        1
    }

    fn page_size() -> usize {
        // SAFETY: sysconf has no preconditions.
        usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
    }

    /// Whole pages of each loaded segment without write permission.
    fn read_only(base: usize, headers: &[libc::Elf64_Phdr], page: usize) -> Vec<Range<usize>> {
        headers
            .iter()
            .filter(|h| h.p_type == libc::PT_LOAD && h.p_flags & libc::PF_W == 0)
            .filter_map(|h| {
                let start = base.checked_add(usize::try_from(h.p_vaddr).ok()?)?;
                let end = start.checked_add(usize::try_from(h.p_filesz.min(h.p_memsz)).ok()?)?;
                let (start, end) = (start.next_multiple_of(page), end / page * page);
                (end > start).then_some(start..end)
            })
            .collect()
    }

    fn has_text_relocations(base: usize, headers: &[libc::Elf64_Phdr]) -> bool {
        let Some(dynamic) = headers.iter().find(|h| h.p_type == libc::PT_DYNAMIC) else {
            return false;
        };
        let mut entry = (base + dynamic.p_vaddr as usize) as *const Dyn;
        loop {
            // SAFETY: the dynamic section is mapped for the life of the
            // program and ends with a DT_NULL entry (ELF).
            let Dyn { tag, val } = unsafe { entry.read() };
            match tag {
                DT_NULL => return false,
                DT_TEXTREL => return true,
                DT_FLAGS if val & DF_TEXTREL != 0 => return true,
                _ => {}
            }
            // SAFETY: not past the DT_NULL entry, which ends the section.
            entry = unsafe { entry.add(1) };
        }
    }
}

#[cfg(test)]
#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static WRITABLE: AtomicUsize = AtomicUsize::new(0);
    static CONSTANT: [u8; 16] = *b"harmony-constant";

    fn covered(address: usize) -> bool {
        read_only_segments().iter().any(|r| r.contains(&address))
    }

    #[test]
    fn code_and_constants_are_covered_writable_data_is_not() {
        let code = read_only_segments as fn() -> Vec<Range<usize>> as usize;
        assert!(covered(code), "this function's own code");
        assert!(covered(std::ptr::addr_of!(CONSTANT) as usize), "a constant");
        WRITABLE.fetch_add(1, Ordering::Relaxed);
        assert!(
            !covered(std::ptr::addr_of!(WRITABLE) as usize),
            "a static that changes"
        );
        let heap = Box::new(1u64);
        assert!(!covered(&*heap as *const u64 as usize), "the heap");
        for range in read_only_segments() {
            assert_eq!(range.start % 4096, 0);
            assert_eq!(range.end % 4096, 0);
        }
    }

    /// Resident kB of the mapping that holds `address` (`/proc/self/smaps`).
    fn resident_kb(address: usize) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ').filter(|(r, _)| r.contains('-')) {
                if let Some((a, b)) = range.split_once('-') {
                    if let (Ok(a), Ok(b)) =
                        (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
                    {
                        inside = (a..b).contains(&address);
                        continue;
                    }
                }
            }
            if inside {
                if let Some(kb) = line.strip_prefix("Rss:") {
                    return kb.trim().trim_end_matches(" kB").parse().unwrap();
                }
            }
        }
        panic!("no mapping holds {address:#x}");
    }

    #[test]
    fn released_code_leaves_memory_and_still_runs() {
        let code = read_only_segments as fn() -> Vec<Range<usize>> as usize;
        let before = resident_kb(code);
        let released = release();
        let after = resident_kb(code);
        assert!(released > 0);
        assert!(
            after < before,
            "resident code {before} kB before, {after} kB after"
        );
        // What runs again is read back from the file.
        assert!(covered(code));
        assert_eq!(&CONSTANT, b"harmony-constant");
    }
}
