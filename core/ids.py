"""The 64-bit id guard: an id beyond a signed 64-bit integer cannot be in any
table (SQLite's and PostgreSQL's ids are 64-bit), so it is not looked up."""

INT64_MAX = 2**63 - 1
INT64_MIN = -INT64_MAX - 1


def fits_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX
