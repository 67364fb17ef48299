//! The memory under the shared table: a private mapping inherited by forked
//! children (`mmap(MAP_SHARED | MAP_ANONYMOUS)`), or a named POSIX
//! shared-memory object (`shm_open`) that outlives the processes using it, so
//! a php-fpm reload or restart finds the same counters.
//!
//! A named object is created with mode 0600 and its whole size reserved
//! (`posix_fallocate`), so a full `/dev/shm` fails here, at start-up, rather
//! than later with SIGBUS on first touch of a page. An existing object is used
//! only if it belongs to this process's effective user and nobody else may
//! open it.
//!
//! With [`crate::shm`], the crate's only modules with `unsafe` code.

use std::ffi::CString;
use std::ptr::NonNull;

use crate::error::Error;

/// Longest object name accepted (`NAME_MAX` is 255 on Linux, minus the `/`).
pub const MAX_NAME_LEN: usize = 200;

/// A mapping of `bytes` bytes, zeroed when new, unmapped on drop.
pub struct Segment {
    base: NonNull<u8>,
    bytes: usize,
}

// SAFETY: the segment is only a pointer and a length; what lives in it is
// accessed through atomics by its users (crate::shm).
unsafe impl Send for Segment {}
// SAFETY: as above.
unsafe impl Sync for Segment {}

fn os_error(what: &str) -> Error {
    Error::SharedMemory(format!("{what}: {}", std::io::Error::last_os_error()))
}

/// Validates an object name (without the leading `/`) and returns it as the
/// C string `shm_open` takes.
///
/// # Errors
/// [`Error::InvalidArgument`] unless it is 1 to [`MAX_NAME_LEN`] characters of
/// `A-Z a-z 0-9 . _ -`, not starting with a dot.
pub fn object_name(name: &str) -> Result<CString, Error> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !valid {
        return Err(Error::InvalidArgument(format!(
            "lpapi.shm_name must be 1 to {MAX_NAME_LEN} of A-Z a-z 0-9 . _ - (not starting with a dot), not {name:?}"
        )));
    }
    CString::new(format!("/{name}"))
        .map_err(|_| Error::InvalidArgument("lpapi.shm_name holds a NUL byte".to_owned()))
}

/// Removes the named object (processes that mapped it keep their mapping).
/// A missing object is not an error.
///
/// # Errors
/// [`Error::InvalidArgument`] for a bad name, [`Error::SharedMemory`] when
/// the object exists and cannot be removed.
pub fn unlink(name: &str) -> Result<(), Error> {
    let c_name = object_name(name)?;
    // SAFETY: `c_name` is a valid NUL-terminated string.
    if unsafe { libc::shm_unlink(c_name.as_ptr()) } != 0
        && std::io::Error::last_os_error().raw_os_error() != Some(libc::ENOENT)
    {
        return Err(os_error(&format!("shm_unlink /{name}")));
    }
    Ok(())
}

/// An open file descriptor, closed on drop.
struct Fd(libc::c_int);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the descriptor is open and owned by this value.
        unsafe {
            libc::close(self.0);
        }
    }
}

impl Segment {
    /// A new zeroed mapping shared with every process this one forks from now on.
    ///
    /// # Errors
    /// [`Error::SharedMemory`] when `mmap` fails.
    pub fn anonymous(bytes: usize) -> Result<Self, Error> {
        Self::map(-1, bytes, libc::MAP_SHARED | libc::MAP_ANONYMOUS)
    }

    /// Creates the named object with `bytes` reserved, or returns `None` when
    /// it exists already.
    ///
    /// # Errors
    /// [`Error::SharedMemory`] when it can be neither created nor found, or
    /// its memory cannot be reserved (it is removed again then).
    pub fn create(name: &str, bytes: usize) -> Result<Option<Self>, Error> {
        let c_name = object_name(name)?;
        // SAFETY: `c_name` is a valid NUL-terminated string.
        let fd = unsafe {
            libc::shm_open(
                c_name.as_ptr(),
                libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                0o600,
            )
        };
        if fd < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) {
                return Ok(None);
            }
            return Err(os_error(&format!("shm_open /{name}")));
        }
        let fd = Fd(fd);
        let reserved = libc::off_t::try_from(bytes)
            .map_err(|_| Error::SharedMemory(format!("{bytes} bytes is too large")))
            // SAFETY: `fd` is an open descriptor of the new object.
            .and_then(|len| match unsafe { libc::posix_fallocate(fd.0, 0, len) } {
                0 => Ok(()),
                errno => Err(Error::SharedMemory(format!(
                    "cannot reserve {bytes} bytes for /{name} (is /dev/shm full?): {}",
                    std::io::Error::from_raw_os_error(errno)
                ))),
            })
            .and_then(|()| Self::map(fd.0, bytes, libc::MAP_SHARED));
        if reserved.is_err() {
            let _ = unlink(name);
        }
        reserved.map(Some)
    }

    /// Maps the existing named object, which must be `bytes` long, owned by
    /// this process's effective user and closed to everyone else. Returns
    /// `None` when it does not exist, or has another size (a creator still
    /// reserving it, or a table of another size).
    ///
    /// # Errors
    /// [`Error::SharedMemory`] when it cannot be opened, belongs to another
    /// user or is open to others.
    pub fn attach(name: &str, bytes: usize) -> Result<Option<Self>, Error> {
        let c_name = object_name(name)?;
        // SAFETY: `c_name` is a valid NUL-terminated string.
        let fd = unsafe { libc::shm_open(c_name.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC, 0) };
        if fd < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOENT) {
                return Ok(None);
            }
            return Err(os_error(&format!("shm_open /{name}")));
        }
        let fd = Fd(fd);
        // SAFETY: an all-zero `stat` is a valid value for fstat to fill in.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is open and `stat` is a valid out-pointer.
        if unsafe { libc::fstat(fd.0, &raw mut stat) } != 0 {
            return Err(os_error(&format!("fstat /{name}")));
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if stat.st_uid != me || stat.st_mode & 0o077 != 0 {
            return Err(Error::SharedMemory(format!(
                "/dev/shm/{name} belongs to uid {} with mode {:o}; it must be this user's ({me}) and mode 0600. Remove it or set another lpapi.shm_name",
                stat.st_uid,
                stat.st_mode & 0o777
            )));
        }
        if usize::try_from(stat.st_size).ok() != Some(bytes) {
            return Ok(None);
        }
        Self::map(fd.0, bytes, libc::MAP_SHARED).map(Some)
    }

    fn map(fd: libc::c_int, bytes: usize, flags: libc::c_int) -> Result<Self, Error> {
        // SAFETY: no address hint; `fd` is -1 for an anonymous mapping or an
        // open descriptor at least `bytes` long; the result is checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                flags,
                fd,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(os_error(&format!("mmap of {bytes} bytes")));
        }
        let base = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| Error::SharedMemory("mmap returned null".to_owned()))?;
        Ok(Self { base, bytes })
    }

    /// The start of the mapping: page-aligned, `bytes()` long.
    #[must_use]
    pub fn base(&self) -> NonNull<u8> {
        self.base
    }

    /// The mapping's length.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        // SAFETY: `base`/`bytes` are exactly what mmap returned, and the
        // users of the segment borrow it, so no reference outlives this.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.bytes);
        }
    }
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

/// This process's identity for locks: its pid in the low 32 bits and the low
/// 32 bits of its start time (clock ticks since boot, `/proc/self/stat`) in
/// the high ones, so a reused pid is told apart. Recomputed after a fork.
#[must_use]
pub fn process_token() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static CACHED: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    let cached = CACHED.load(Relaxed);
    if cached != 0 && token_pid(cached) == pid {
        return cached;
    }
    let started = proc_stat(pid).map_or(0, |(_, started)| started);
    let token = u64::from(pid) | u64::from(started) << 32;
    CACHED.store(token, Relaxed);
    token
}

/// The pid in a [`process_token`].
#[must_use]
pub fn token_pid(token: u64) -> u32 {
    // The low 32 bits are the pid.
    #[allow(clippy::cast_possible_truncation)]
    let pid = token as u32;
    pid
}

/// Whether the process named by `token` is provably gone: no process has its
/// pid, or the one that has it is a zombie or started at another time.
#[must_use]
pub fn token_is_dead(token: u64) -> bool {
    let pid = token_pid(token);
    let Ok(raw) = libc::pid_t::try_from(pid) else {
        return true;
    };
    if raw < 1 {
        return true;
    }
    // SAFETY: kill with signal 0 only checks whether the process exists.
    if unsafe { libc::kill(raw, 0) } != 0
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    {
        return true;
    }
    let started = token >> 32;
    match proc_stat(pid) {
        Some((state, now_started)) => {
            matches!(state, b'Z' | b'X') || (started != 0 && u64::from(now_started) != started)
        }
        None => false, // Not proven: it may have just died; a later look tells.
    }
}

/// The state letter and the low 32 bits of the start time of process `pid`.
fn proc_stat(pid: u32) -> Option<(u8, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name, which may hold spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.bytes().next()?;
    let started: u64 = fields.nth(18)?.parse().ok()?;
    // The low 32 bits are enough to tell two processes under one pid apart.
    #[allow(clippy::cast_possible_truncation)]
    Some((state, started as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(object_name("lpapi-33").is_ok());
        for bad in ["", ".hidden", "a/b", "a b", &"x".repeat(MAX_NAME_LEN + 1)] {
            assert!(object_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn this_process_is_alive_and_a_made_up_one_is_not() {
        let me = process_token();
        assert_eq!(token_pid(me), std::process::id());
        assert!(!token_is_dead(me));
        // The same pid with another start time is another process.
        assert!(token_is_dead(me ^ (1 << 40)));
        // pid_max on Linux is at most 2^22, so this pid cannot exist.
        assert!(token_is_dead(4_194_305 + 1000));
    }
}
