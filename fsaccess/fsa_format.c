/* Names of evidence formats, as used in reports and the JSON contract. */
#include "fsaccess/fsa.h"

const char *fsa_format_name(fsa_format f)
{
    switch (f) {
    case FSA_FMT_RAW:
        return "raw";
    case FSA_FMT_SPLIT_RAW:
        return "split-raw";
    case FSA_FMT_EWF:
        return "ewf";
    case FSA_FMT_VHD:
        return "vhd";
    case FSA_FMT_VHDX:
        return "vhdx";
    case FSA_FMT_VMDK:
        return "vmdk";
    case FSA_FMT_DEVICE:
        return "device";
    case FSA_FMT_DIRECTORY:
        return "directory";
    }
    return "unknown";
}
