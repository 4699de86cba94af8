// The `wangban` command line: serve, migrate, version (more subcommands arrive with their
// modules). Flags fall back to WANGBAN_* environment variables.
#pragma once

namespace wangban::app {

// Runs the command line; returns the process exit status.
int Main(int argc, char** argv);

}  // namespace wangban::app
