//! Fixed strings searched for in every document or every line of a stream, their
//! searchers built once: building a `memmem::Finder` costs more than searching a short
//! line (a SQL dump is read line by line).

use memchr::memmem::Finder;
use std::sync::LazyLock;

pub(crate) static PEM_BEGIN: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"-----BEGIN "));
pub(crate) static PEM_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-----END "));
pub(crate) static DASHES: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-----"));
pub(crate) static INLINE_ALLOW: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(crate::ignorefile::INLINE_ALLOW));
