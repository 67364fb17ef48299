//! The named shared-memory table (`lpapi.shm_name`): it keeps its counts
//! and generation when every process that mapped it is gone (a php-fpm reload
//! or restart), is shared by every mapping of the name, is replaced rather
//! than read when it has another layout or size, and is refused when it is
//! open to other users.

use std::os::unix::fs::PermissionsExt;

use lpapi::error::Error;
use lpapi::ratelimit::{FakeClock, Limiter, Limits, Store, Window};
use lpapi::segment;
use lpapi::shm::{MAGIC, Origin, SharedTable};

/// 2026-11-24T14:00:00Z.
const HOUR: u64 = 1_795_528_800;

/// A name no other test (or run) uses, removed again on drop.
struct Name(String);

impl Name {
    fn new(test: &str) -> Self {
        let name = format!("lpapi-test-{}-{test}", std::process::id());
        segment::unlink(&name).expect("clean start");
        Self(name)
    }

    fn path(&self) -> String {
        format!("/dev/shm/{}", self.0)
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        let _ = segment::unlink(&self.0);
    }
}

fn limits() -> Limits {
    Limits::minute_hour(10, 100).expect("limits")
}

fn hit(table: &SharedTable, bucket: &[u8]) -> u32 {
    let clock = FakeClock::at(HOUR + 1);
    Limiter::new(table, &clock)
        .hit(bucket, limits(), 1)
        .expect("hit")
        .window(0, Window::Minute)
        .expect("minute")
        .remaining
}

#[test]
fn counts_and_generation_survive_when_every_mapping_is_gone() {
    let name = Name::new("survive");
    {
        let table = SharedTable::open(&name.0, 64).expect("open");
        assert_eq!(table.origin(), &Origin::Created(name.0.clone()));
        assert_eq!(hit(&table, b"k"), 9);
        assert_eq!(hit(&table, b"k"), 8);
        assert_eq!(table.bump_generation(), 1);
    } // Unmapped: what a php-fpm master does when it exits or re-executes.
    let table = SharedTable::open(&name.0, 64).expect("reopen");
    assert_eq!(table.origin(), &Origin::Attached(name.0.clone()));
    assert_eq!(hit(&table, b"k"), 7, "the counts were kept");
    assert_eq!(table.generation(), 1);
    let mode = std::fs::metadata(name.path())
        .expect("object")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "private to this user");
}

#[test]
fn two_mappings_of_one_name_share_every_count() {
    let name = Name::new("share");
    let a = SharedTable::open(&name.0, 64).expect("open a");
    let b = SharedTable::open(&name.0, 64).expect("open b");
    for expected in (0..10).rev() {
        let first = expected % 2 == 0;
        assert_eq!(hit(if first { &a } else { &b }, b"k"), expected);
    }
    let clock = FakeClock::at(HOUR + 2);
    assert!(
        !Limiter::new(&a, &clock)
            .hit(b"k", limits(), 1)
            .expect("hit")
            .allowed
    );
    assert_eq!(a.read(b"k").expect("read"), b.read(b"k").expect("read"));
}

#[test]
fn a_table_of_another_size_is_made_anew_not_read() {
    let name = Name::new("resize");
    {
        let table = SharedTable::open(&name.0, 64).expect("open");
        hit(&table, b"k");
    }
    let table = SharedTable::open(&name.0, 128).expect("reopen bigger");
    assert!(
        matches!(table.origin(), Origin::Replaced(_, why) if why.contains("bytes long")),
        "{:?}",
        table.origin()
    );
    assert_eq!(table.slots(), 128);
    assert_eq!(hit(&table, b"k"), 9, "fresh counts");
}

#[test]
fn a_table_of_another_layout_is_made_anew_not_read() {
    let name = Name::new("layout");
    {
        let table = SharedTable::open(&name.0, 64).expect("open");
        hit(&table, b"k");
    }
    // What an older version of this code would have left: its own magic.
    let mut bytes = std::fs::read(name.path()).expect("object");
    bytes[..8].copy_from_slice(&(MAGIC - 1).to_le_bytes());
    std::fs::write(name.path(), &bytes).expect("rewrite");
    let table = SharedTable::open(&name.0, 64).expect("reopen");
    assert!(
        matches!(table.origin(), Origin::Replaced(_, why) if why.contains("layout")),
        "{:?}",
        table.origin()
    );
    assert_eq!(hit(&table, b"k"), 9, "nothing of the old layout was read");
}

#[test]
fn an_object_open_to_others_is_refused() {
    let name = Name::new("mode");
    drop(SharedTable::open(&name.0, 64).expect("open"));
    std::fs::set_permissions(name.path(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = SharedTable::open(&name.0, 64).expect_err("must refuse");
    assert!(
        matches!(&err, Error::SharedMemory(m) if m.contains("mode 644") && m.contains(&name.0)),
        "{err}"
    );
}

#[test]
fn a_half_created_object_is_replaced_after_a_wait() {
    let name = Name::new("half");
    // Created and sized by a process that died before writing the header.
    let file = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(name.path())
        .expect("create");
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    file.set_len(128 + 64 * 64).expect("size");
    drop(file);
    let table = SharedTable::open(&name.0, 64).expect("open");
    assert!(
        matches!(table.origin(), Origin::Replaced(_, why) if why.contains("half-created")),
        "{:?}",
        table.origin()
    );
    assert_eq!(hit(&table, b"k"), 9);
}

#[test]
fn bad_names_are_refused() {
    for bad in ["", "a/b", "../x", ".x", "sp ace"] {
        assert!(
            matches!(SharedTable::open(bad, 64), Err(Error::InvalidArgument(_))),
            "{bad:?}"
        );
    }
}
