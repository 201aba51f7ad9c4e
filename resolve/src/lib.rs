//! tg-resolve (being written).
