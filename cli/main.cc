// mailgauge: a mail-server log analyzer. Subcommands:
//   records   one JSON object per message (JSON Lines)
//   report    pflogsumm-style summary report
#include <cstdio>
#include <cstring>

#include "cli/records_command.h"
#include "cli/report_command.h"
#include "common/version.h"

namespace {

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: mailgauge COMMAND [OPTIONS] [FILE...|-]\n\n"
               "Commands:\n"
               "  records   one JSON object per finished message (JSON Lines)\n"
               "  report    pflogsumm-style summary report (text, JSON or HTML)\n\n"
               "Run 'mailgauge COMMAND --help' for a command's options, "
               "'mailgauge --version' for the version.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage(stderr);
    return 2;
  }
  const char* command = argv[1];
  if (std::strcmp(command, "--help") == 0 || std::strcmp(command, "-h") == 0 ||
      std::strcmp(command, "help") == 0) {
    Usage(stdout);
    return 0;
  }
  if (std::strcmp(command, "--version") == 0 || std::strcmp(command, "version") == 0) {
    std::printf("mailgauge %s\n", mailgauge::kVersion);
    return 0;
  }
  if (std::strcmp(command, "records") == 0) {
    return mailgauge::cli::RecordsCommand(argc, argv, 2);
  }
  if (std::strcmp(command, "report") == 0) {
    return mailgauge::cli::ReportCommand(argc, argv, 2);
  }
  std::fprintf(stderr, "mailgauge: unknown command '%s'\n", command);
  Usage(stderr);
  return 2;
}
