/* Option parsing and the usage text (kept to man-page quality: it is the user's manual). */
#include "cli/cli_args.h"

#include "common/sxs_limits.h"
#include "diagnose/sxs_diagnose.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void cli_print_usage(FILE *out)
{
    fputs("Usage: sxsdoctor [OPTIONS] EVIDENCE...\n"
          "       sxsdoctor [OPTIONS] --from FILE [EVIDENCE...]\n"
          "       sxsdoctor --list-rules [--rules DIR]\n"
          "       sxsdoctor --help | --version\n"
          "\n"
          "Diagnoses why Windows failed to update or upgrade (notably 0x80070003,\n"
          "ERROR_PATH_NOT_FOUND) from its disk, offline and read-only, and prints a verdict\n"
          "and a repair plan.\n"
          "\n"
          "EVIDENCE is one of:\n"
          "  a disk image      raw/dd (.raw, .img, .dd), split raw (give the .001),\n"
          "                    EnCase E01 (give the .E01; .E02... are found), VHD, VHDX, VMDK\n"
          "  a block device    e.g. /dev/sdc, the OS disk attached to a rescue VM\n"
          "  a directory       a mounted Windows volume or a triage copy of one\n"
          "The evidence is only ever opened for reading. The segments of a split image\n"
          "(.E02..., .002...) are found from the first; listed beside it, they are skipped.\n"
          "\n"
          "Many disks (one report per EVIDENCE, in the order given):\n"
          "      --from FILE         also read EVIDENCE paths from FILE, one a line, after\n"
          "                          the arguments (- reads standard input); blank lines\n"
          "                          and lines starting with # are ignored; may be repeated\n"
          "  -j, --jobs N            analyse up to N evidence at once (default 1, max. 64)\n"
          "                          Each evidence is analysed in a process of its own: one\n"
          "                          that cannot be read or that crashes gets its own error\n"
          "                          report (naming the signal) and the others go on. With\n"
          "                          several evidence, stderr lines start with the evidence\n"
          "                          they are about, and progress reads \"disk 12/50: NAME:\n"
          "                          stage\". The output is the same whatever N is.\n"
          "\n"
          "Output (stdout carries only the reports; messages go to stderr):\n"
          "      --json              JSON Lines: one JSON document per EVIDENCE, one line\n"
          "                          each, in input order (schema in DESIGN.md;\n"
          "                          evidence.input is the path as given)\n"
          "      --markdown          Markdown, for pasting into a ticket\n"
          "                          (default: text for people; with several EVIDENCE, one\n"
          "                          section each under a heading naming it)\n"
          "      --timeline FILE     also write the servicing history (every update and\n"
          "                          upgrade attempt and its evidence lines) to FILE as JSON\n"
          "                          Lines that Timesketch imports as they are (one\n"
          "                          EVIDENCE only)\n"
          "  -v, --verbose           also show every fact gathered and per-log statistics\n"
          "      --progress          show progress on stderr even when it is not a terminal\n"
          "      --no-progress       never show progress\n"
          "      --hash              compute the SHA-256 of the whole evidence (slow on large\n"
          "                          images; reads every byte)\n"
          "\n"
          "Analysis:\n"
          "  -t, --target-drive X:   drive letter the offline disk has on the Windows rescue\n"
          "                          VM, used in the repair commands (default F:)\n"
          "  -b, --boot-drive X:     drive letter given on the rescue VM to the disk's system\n"
          "                          partition (EFI System or System Reserved), used in the\n"
          "                          bcdedit/bcdboot commands (default S:, the letter Microsoft's\n"
          "                          deployment guides give the system partition; Azure's\n"
          "                          articles write <Boot partition>:)\n"
          "  -i, --install N         analyse only the N-th Windows installation found (1-based)\n"
          "  -r, --rules DIR         also load the rule files (*.yml) in DIR; may be repeated\n"
          "      --no-builtin-rules  load only the rules given with --rules\n"
          "      --list-rules        list the loaded rules and exit\n"
          "\n"
          "BitLocker (the key never appears in any output):\n"
          "      --recovery-password 123456-...-123456\n"
          "                          the 48-digit recovery password (visible in ps and the\n"
          "                          shell history: prefer the file or the variable)\n"
          "      --recovery-password-file FILE\n"
          "                          read the recovery password from FILE (first line);\n"
          "                          the variable SXS_BITLOCKER_RECOVERY_PASSWORD also works\n"
          "      --password-file FILE  read the BitLocker user password from FILE\n"
          "      --bek FILE          the .BEK startup key file (e.g. Azure Disk Encryption's,\n"
          "                          from Key Vault)\n"
          "                          An unlocked volume is read as a clear one; the report\n"
          "                          says which kind of protector unlocked it.\n"
          "\n"
          "Shadow copies (listed in the report as rollback options):\n"
          "      --snapshot N        analyse shadow copy N (vssN, 1 = the oldest, as the report\n"
          "                          and vshadowinfo number them) as if it were the volume:\n"
          "                          was this machine healthy on that date? Every volume\n"
          "                          with shadow copies is read as its copy N, read-only\n"
          "\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status:\n"
          "  0  analysis ran, nothing wrong found (healthy)\n"
          "  1  analysis ran, at least one finding\n"
          "  2  usage error, or a rule file that does not compile (file:line: message)\n"
          "  3  evidence unreadable, or no Windows installation on it\n"
          "  4  the report or the --timeline file could not be written (a full disk,\n"
          "     for one): whatever the verdict was, it was not delivered\n"
          "  With several EVIDENCE, the worst of their codes: 4 > 3 > 1 > 0 (a crashed\n"
          "  analysis counts as 3). A usage error (2) stops before any evidence is read.\n"
          "\n"
          "Examples:\n"
          "  sxsdoctor disk.E01\n"
          "  sxsdoctor --json /dev/sdc > report.json        (Azure rescue VM, Linux)\n"
          "  sxsdoctor --target-drive G: --markdown os.vhdx\n"
          "  sxsdoctor /mnt/windows                          (mounted volume)\n"
          "  sxsdoctor --json --jobs 2 --from disks.txt > reports.jsonl\n",
          out);
}

static bool valid_drive(const char *s)
{
    return strlen(s) == 2 && isalpha((unsigned char)s[0]) && s[1] == ':';
}

int cli_parse_args(int argc, char **argv, cli_options *ret, FILE *err)
{
    enum {
        OPT_JSON = 256,
        OPT_MARKDOWN,
        OPT_LIST_RULES,
        OPT_PROGRESS,
        OPT_NO_PROGRESS,
        OPT_HASH,
        OPT_NO_BUILTIN,
        OPT_TIMELINE,
        OPT_RECOVERY,
        OPT_RECOVERY_FILE,
        OPT_PASSWORD_FILE,
        OPT_BEK,
        OPT_SNAPSHOT,
        OPT_FROM
    };
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {"verbose", no_argument, NULL, 'v'},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"hash", no_argument, NULL, OPT_HASH},
        {"timeline", required_argument, NULL, OPT_TIMELINE},
        {"recovery-password", required_argument, NULL, OPT_RECOVERY},
        {"recovery-password-file", required_argument, NULL, OPT_RECOVERY_FILE},
        {"password-file", required_argument, NULL, OPT_PASSWORD_FILE},
        {"bek", required_argument, NULL, OPT_BEK},
        {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
        {"from", required_argument, NULL, OPT_FROM},
        {"jobs", required_argument, NULL, 'j'},
        {"target-drive", required_argument, NULL, 't'},
        {"boot-drive", required_argument, NULL, 'b'},
        {"install", required_argument, NULL, 'i'},
        {"rules", required_argument, NULL, 'r'},
        {"no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN},
        {"list-rules", no_argument, NULL, OPT_LIST_RULES},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli_options o = {.action = CLI_ACTION_ANALYZE,
                     .format = CLI_FORMAT_TEXT,
                     .target_drive = "F:",
                     .boot_drive = "S:",
                     .progress = -1,
                     .jobs = 1};
    int formats = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":vt:b:i:r:j:hV", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON:
            o.format = CLI_FORMAT_JSON;
            formats++;
            break;
        case OPT_MARKDOWN:
            o.format = CLI_FORMAT_MARKDOWN;
            formats++;
            break;
        case 'v':
            o.verbose = true;
            break;
        case OPT_PROGRESS:
            o.progress = 1;
            break;
        case OPT_NO_PROGRESS:
            o.progress = 0;
            break;
        case OPT_HASH:
            o.hash = true;
            break;
        case OPT_TIMELINE:
            if (!*optarg) {
                fprintf(err, "sxsdoctor: --timeline wants a file name\n");
                return -EINVAL;
            }
            o.timeline = optarg;
            break;
        case OPT_RECOVERY:
            if (!sxs_valid_recovery_password(optarg)) {
                /* never echo what was given: it may be a real key with a typo */
                fputs("sxsdoctor: --recovery-password wants 48 digits in 8 groups of 6 joined "
                      "by '-'\n",
                      err);
                return -EINVAL;
            }
            o.recovery_password = optarg;
            break;
        case OPT_RECOVERY_FILE:
        case OPT_PASSWORD_FILE:
        case OPT_BEK:
            if (!*optarg) {
                fprintf(err, "sxsdoctor: %s wants a file name\n", argv[optind - 1]);
                return -EINVAL;
            }
            if (c == OPT_RECOVERY_FILE)
                o.recovery_password_file = optarg;
            else if (c == OPT_PASSWORD_FILE)
                o.password_file = optarg;
            else
                o.bek_file = optarg;
            break;
        case OPT_SNAPSHOT: {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 512) {
                fprintf(err,
                        "sxsdoctor: --snapshot wants a shadow copy number from 1 to 512 (vssN "
                        "in the report), not '%s'\n",
                        optarg);
                return -EINVAL;
            }
            o.snapshot = (unsigned)n;
            break;
        }
        case 't':
            if (!valid_drive(optarg)) {
                fprintf(err, "sxsdoctor: --target-drive wants a drive letter like F:, not '%s'\n",
                        optarg);
                return -EINVAL;
            }
            o.target_drive = optarg;
            break;
        case 'b':
            if (!valid_drive(optarg)) {
                fprintf(err, "sxsdoctor: --boot-drive wants a drive letter like S:, not '%s'\n",
                        optarg);
                return -EINVAL;
            }
            o.boot_drive = optarg;
            break;
        case 'i': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 1000) {
                fprintf(err, "sxsdoctor: --install wants a number from 1, not '%s'\n", optarg);
                return -EINVAL;
            }
            o.install = (int)n;
            break;
        }
        case OPT_FROM:
            if (!*optarg) {
                fputs("sxsdoctor: --from wants a file name (or - for standard input)\n", err);
                return -EINVAL;
            }
            if (o.n_from == CLI_MAX_FROM) {
                fprintf(err, "sxsdoctor: at most %d --from lists\n", CLI_MAX_FROM);
                return -EINVAL;
            }
            o.from[o.n_from++] = optarg;
            break;
        case 'j': {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > SXS_MAX_JOBS) {
                fprintf(err, "sxsdoctor: --jobs wants a number from 1 to %d, not '%s'\n",
                        SXS_MAX_JOBS, optarg);
                return -EINVAL;
            }
            o.jobs = (int)n;
            break;
        }
        case 'r':
            if (o.n_rule_dirs == CLI_MAX_RULE_DIRS) {
                fprintf(err, "sxsdoctor: at most %d --rules directories\n", CLI_MAX_RULE_DIRS);
                return -EINVAL;
            }
            o.rule_dirs[o.n_rule_dirs++] = optarg;
            break;
        case OPT_NO_BUILTIN:
            o.no_builtin_rules = true;
            break;
        case OPT_LIST_RULES:
            o.action = CLI_ACTION_LIST_RULES;
            break;
        case 'h':
            o.action = CLI_ACTION_HELP;
            break;
        case 'V':
            o.action = CLI_ACTION_VERSION;
            break;
        case ':':
            fprintf(err, "sxsdoctor: option '%s' needs a value\n", argv[optind - 1]);
            return -EINVAL;
        default:
            fprintf(err, "sxsdoctor: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return -EINVAL;
        }
    }
    if (formats > 1) {
        fputs("sxsdoctor: choose one of --json and --markdown\n", err);
        return -EINVAL;
    }
    if (o.action == CLI_ACTION_ANALYZE) {
        if (optind >= argc && o.n_from == 0) {
            fputs("sxsdoctor: no EVIDENCE given (an image, a block device or a directory; "
                  "see --help)\n",
                  err);
            return -EINVAL;
        }
        o.evidence = argv + optind;
        o.n_evidence = argc - optind;
    } else if (optind < argc && o.action == CLI_ACTION_LIST_RULES) {
        fprintf(err, "sxsdoctor: --list-rules takes no EVIDENCE ('%s')\n", argv[optind]);
        return -EINVAL;
    }
    *ret = o;
    return 0;
}
