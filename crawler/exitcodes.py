"""The exit codes of newsfold's commands, as the README lists them."""

EXIT_OK = 0
EXIT_FAILED = 1  # a run failed, or the store is unhealthy (status)
EXIT_CONFIG = 2  # a bad config file, option or input
EXIT_STORE = 3  # the store cannot be opened, read or written
EXIT_LOCKED = 4  # another run holds the store's lock
