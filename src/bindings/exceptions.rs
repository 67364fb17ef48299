//! The PHP exception classes, all under `LatePointApi\Native\`, and the one
//! mapping from the core's [`Error`] to them.

use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::zend::ce;

use crate::error::Error;

/// Base class of every exception the extension throws.
#[php_class]
#[php(name = "LatePointApi\\Native\\LpapiException")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct LpapiException;

/// A presented key is malformed: wrong length, prefix, alphabet or checksum.
#[php_class]
#[php(name = "LatePointApi\\Native\\InvalidKeyException")]
#[php(extends(LpapiException))]
#[derive(Default)]
pub struct InvalidKeyException;

/// An argument is outside its documented range.
#[php_class]
#[php(name = "LatePointApi\\Native\\InvalidArgumentException")]
#[php(extends(LpapiException))]
#[derive(Default)]
pub struct InvalidArgumentException;

/// Every slot of the shared rate-limit table holds a live bucket.
#[php_class]
#[php(name = "LatePointApi\\Native\\RateTableFullException")]
#[php(extends(LpapiException))]
#[derive(Default)]
pub struct RateTableFullException;

/// The shared-memory segment could not be created or is not usable.
#[php_class]
#[php(name = "LatePointApi\\Native\\SharedMemoryException")]
#[php(extends(LpapiException))]
#[derive(Default)]
pub struct SharedMemoryException;

/// The OS random source failed, so no key could be generated.
#[php_class]
#[php(name = "LatePointApi\\Native\\EntropyException")]
#[php(extends(LpapiException))]
#[derive(Default)]
pub struct EntropyException;

impl From<Error> for PhpException {
    fn from(error: Error) -> Self {
        let message = error.to_string();
        match error {
            Error::InvalidKey(_) => PhpException::from_class::<InvalidKeyException>(message),
            Error::InvalidArgument(_) => {
                PhpException::from_class::<InvalidArgumentException>(message)
            }
            Error::TableFull { .. } => PhpException::from_class::<RateTableFullException>(message),
            Error::SharedMemory(_) => PhpException::from_class::<SharedMemoryException>(message),
            Error::Entropy(_) => PhpException::from_class::<EntropyException>(message),
        }
    }
}
