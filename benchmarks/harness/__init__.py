"""What every benchmark shares: child processes, fixture servers, rounds, results and tables."""
