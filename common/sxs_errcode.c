/* Error-code table and decoders. The table is static data sorted by code (a test checks the
 * order) and searched by binary search. Meanings are Microsoft's message texts, shortened. */
#include "common/sxs_errcode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const sxs_errcode_info table[] = {
    {0x00000000U, SXS_ERRKIND_WIN32, "ERROR_SUCCESS",
     "The operation completed successfully (also STATUS_SUCCESS, S_OK)."},
    {0x00000001U, SXS_ERRKIND_WIN32, "ERROR_INVALID_FUNCTION", "Incorrect function."},
    {0x00000002U, SXS_ERRKIND_WIN32, "ERROR_FILE_NOT_FOUND",
     "The system cannot find the file specified."},
    {0x00000003U, SXS_ERRKIND_WIN32, "ERROR_PATH_NOT_FOUND",
     "The system cannot find the path specified."},
    {0x00000004U, SXS_ERRKIND_WIN32, "ERROR_TOO_MANY_OPEN_FILES",
     "The system cannot open the file."},
    {0x00000005U, SXS_ERRKIND_WIN32, "ERROR_ACCESS_DENIED", "Access is denied."},
    {0x00000006U, SXS_ERRKIND_WIN32, "ERROR_INVALID_HANDLE", "The handle is invalid."},
    {0x00000008U, SXS_ERRKIND_WIN32, "ERROR_NOT_ENOUGH_MEMORY",
     "Not enough memory resources are available to process this command."},
    {0x0000000DU, SXS_ERRKIND_WIN32, "ERROR_INVALID_DATA", "The data is invalid."},
    {0x0000000EU, SXS_ERRKIND_WIN32, "ERROR_OUTOFMEMORY",
     "Not enough memory resources are available to complete this operation."},
    {0x0000000FU, SXS_ERRKIND_WIN32, "ERROR_INVALID_DRIVE",
     "The system cannot find the drive specified."},
    {0x00000012U, SXS_ERRKIND_WIN32, "ERROR_NO_MORE_FILES", "There are no more files."},
    {0x00000013U, SXS_ERRKIND_WIN32, "ERROR_WRITE_PROTECT", "The media is write protected."},
    {0x00000015U, SXS_ERRKIND_WIN32, "ERROR_NOT_READY", "The device is not ready."},
    {0x00000017U, SXS_ERRKIND_WIN32, "ERROR_CRC", "Data error (cyclic redundancy check)."},
    {0x0000001FU, SXS_ERRKIND_WIN32, "ERROR_GEN_FAILURE",
     "A device attached to the system is not functioning."},
    {0x00000020U, SXS_ERRKIND_WIN32, "ERROR_SHARING_VIOLATION",
     "The process cannot access the file because it is being used by another process."},
    {0x00000021U, SXS_ERRKIND_WIN32, "ERROR_LOCK_VIOLATION",
     "The process cannot access the file because another process has locked a portion of the "
     "file."},
    {0x00000032U, SXS_ERRKIND_WIN32, "ERROR_NOT_SUPPORTED", "The request is not supported."},
    {0x00000057U, SXS_ERRKIND_WIN32, "ERROR_INVALID_PARAMETER",
     "The parameter is incorrect (E_INVALIDARG)."},
    {0x0000006FU, SXS_ERRKIND_WIN32, "ERROR_BUFFER_OVERFLOW", "The file name is too long."},
    {0x00000070U, SXS_ERRKIND_WIN32, "ERROR_DISK_FULL", "There is not enough space on the disk."},
    {0x0000007AU, SXS_ERRKIND_WIN32, "ERROR_INSUFFICIENT_BUFFER",
     "The data area passed to a system call is too small."},
    {0x0000007BU, SXS_ERRKIND_WIN32, "ERROR_INVALID_NAME",
     "The filename, directory name, or volume label syntax is incorrect."},
    {0x0000007EU, SXS_ERRKIND_WIN32, "ERROR_MOD_NOT_FOUND",
     "The specified module could not be found."},
    {0x0000007FU, SXS_ERRKIND_WIN32, "ERROR_PROC_NOT_FOUND",
     "The specified procedure could not be found."},
    {0x00000091U, SXS_ERRKIND_WIN32, "ERROR_DIR_NOT_EMPTY", "The directory is not empty."},
    {0x000000A1U, SXS_ERRKIND_WIN32, "ERROR_BAD_PATHNAME", "The specified path is invalid."},
    {0x000000B7U, SXS_ERRKIND_WIN32, "ERROR_ALREADY_EXISTS",
     "Cannot create a file when that file already exists."},
    {0x000000CBU, SXS_ERRKIND_WIN32, "ERROR_ENVVAR_NOT_FOUND",
     "The system could not find the environment option that was entered."},
    {0x000000E8U, SXS_ERRKIND_WIN32, "ERROR_NO_DATA", "The pipe is being closed."},
    {0x000000EAU, SXS_ERRKIND_WIN32, "ERROR_MORE_DATA", "More data is available."},
    {0x00000103U, SXS_ERRKIND_WIN32, "ERROR_NO_MORE_ITEMS", "No more data is available."},
    {0x0000010BU, SXS_ERRKIND_WIN32, "ERROR_DIRECTORY", "The directory name is invalid."},
    {0x000003E3U, SXS_ERRKIND_WIN32, "ERROR_OPERATION_ABORTED",
     "The I/O operation has been aborted because of either a thread exit or an application "
     "request."},
    {0x000003E5U, SXS_ERRKIND_WIN32, "ERROR_IO_PENDING",
     "Overlapped I/O operation is in progress."},
    {0x000003F0U, SXS_ERRKIND_WIN32, "ERROR_NO_TOKEN",
     "An attempt was made to reference a token that does not exist."},
    {0x0000041DU, SXS_ERRKIND_WIN32, "ERROR_SERVICE_REQUEST_TIMEOUT",
     "The service did not respond to the start or control request in a timely fashion."},
    {0x00000420U, SXS_ERRKIND_WIN32, "ERROR_SERVICE_ALREADY_RUNNING",
     "An instance of the service is already running."},
    {0x00000422U, SXS_ERRKIND_WIN32, "ERROR_SERVICE_DISABLED",
     "The service cannot be started, either because it is disabled or because it has no enabled "
     "devices associated with it."},
    {0x00000424U, SXS_ERRKIND_WIN32, "ERROR_SERVICE_DOES_NOT_EXIST",
     "The specified service does not exist as an installed service."},
    {0x00000426U, SXS_ERRKIND_WIN32, "ERROR_SERVICE_NOT_ACTIVE",
     "The service has not been started."},
    {0x0000045AU, SXS_ERRKIND_WIN32, "ERROR_DLL_INIT_FAILED",
     "A dynamic link library (DLL) initialization routine failed."},
    {0x0000045BU, SXS_ERRKIND_WIN32, "ERROR_SHUTDOWN_IN_PROGRESS",
     "A system shutdown is in progress."},
    {0x00000490U, SXS_ERRKIND_WIN32, "ERROR_NOT_FOUND", "Element not found."},
    {0x000004C6U, SXS_ERRKIND_WIN32, "ERROR_NO_NETWORK",
     "The network is not present or not started."},
    {0x000004C7U, SXS_ERRKIND_WIN32, "ERROR_CANCELLED", "The operation was canceled by the user."},
    {0x0000052EU, SXS_ERRKIND_WIN32, "ERROR_LOGON_FAILURE",
     "The user name or password is incorrect."},
    {0x00000534U, SXS_ERRKIND_WIN32, "ERROR_NONE_MAPPED",
     "No mapping between account names and security IDs was done."},
    {0x00000570U, SXS_ERRKIND_WIN32, "ERROR_FILE_CORRUPT",
     "The file or directory is corrupted and unreadable."},
    {0x00000571U, SXS_ERRKIND_WIN32, "ERROR_DISK_CORRUPT",
     "The disk structure is corrupted and unreadable."},
    {0x000005AAU, SXS_ERRKIND_WIN32, "ERROR_NO_SYSTEM_RESOURCES",
     "Insufficient system resources exist to complete the requested service."},
    {0x000005B4U, SXS_ERRKIND_WIN32, "ERROR_TIMEOUT",
     "This operation returned because the timeout period expired."},
    {0x00000643U, SXS_ERRKIND_WIN32, "ERROR_INSTALL_FAILURE", "Fatal error during installation."},
    {0x00000652U, SXS_ERRKIND_WIN32, "ERROR_INSTALL_ALREADY_RUNNING",
     "Another installation is already in progress."},
    {0x000006B5U, SXS_ERRKIND_WIN32, "RPC_S_UNKNOWN_IF", "The interface is unknown."},
    {0x000006BAU, SXS_ERRKIND_WIN32, "RPC_S_SERVER_UNAVAILABLE", "The RPC server is unavailable."},
    {0x000006BEU, SXS_ERRKIND_WIN32, "RPC_S_CALL_FAILED", "The remote procedure call failed."},
    {0x00000715U, SXS_ERRKIND_WIN32, "ERROR_RESOURCE_TYPE_NOT_FOUND",
     "The specified resource type cannot be found in the image file."},
    {0x00000BC2U, SXS_ERRKIND_WIN32, "ERROR_SUCCESS_REBOOT_REQUIRED",
     "The requested operation is successful. Changes will not be effective until the system is "
     "rebooted."},
    {0x00000BC3U, SXS_ERRKIND_WIN32, "ERROR_SUCCESS_RESTART_REQUIRED",
     "The requested operation is successful. Changes will not be effective until the service is "
     "restarted."},
    {0x00000BC9U, SXS_ERRKIND_WIN32, "ERROR_FAIL_REBOOT_REQUIRED",
     "The requested operation failed. A system reboot is required to roll back changes made."},
    {0x00002EE7U, SXS_ERRKIND_WIN32, "ERROR_INTERNET_NAME_NOT_RESOLVED",
     "The server name or address could not be resolved."},
    {0x000036B1U, SXS_ERRKIND_WIN32, "ERROR_SXS_CANT_GEN_ACTCTX",
     "The side-by-side configuration is incorrect (activation context could not be generated)."},
    {0x000036B3U, SXS_ERRKIND_WIN32, "ERROR_SXS_ASSEMBLY_NOT_FOUND",
     "The referenced assembly is not installed on the system."},
    {0x000036B7U, SXS_ERRKIND_WIN32, "ERROR_SXS_KEY_NOT_FOUND",
     "The requested lookup key was not found in any active activation context."},
    {0x000036CCU, SXS_ERRKIND_WIN32, "ERROR_SXS_FILE_HASH_MISMATCH",
     "A component's file does not match the verification information in the component manifest."},
    {0x00003701U, SXS_ERRKIND_WIN32, "ERROR_SXS_ASSEMBLY_MISSING",
     "The referenced assembly could not be found."},
    {0x00003712U, SXS_ERRKIND_WIN32, "ERROR_SXS_COMPONENT_STORE_CORRUPT",
     "The component store has been corrupted."},
    {0x00003713U, SXS_ERRKIND_WIN32, "ERROR_ADVANCED_INSTALLER_FAILED",
     "One of the component's advanced installers failed during commit."},
    {0x80004001U, SXS_ERRKIND_HRESULT, "E_NOTIMPL", "Not implemented."},
    {0x80004002U, SXS_ERRKIND_HRESULT, "E_NOINTERFACE", "No such interface supported."},
    {0x80004003U, SXS_ERRKIND_HRESULT, "E_POINTER", "Invalid pointer."},
    {0x80004004U, SXS_ERRKIND_HRESULT, "E_ABORT", "Operation aborted."},
    {0x80004005U, SXS_ERRKIND_HRESULT, "E_FAIL", "Unspecified error."},
    {0x8000FFFFU, SXS_ERRKIND_HRESULT, "E_UNEXPECTED", "Catastrophic failure."},
    {0x80010119U, SXS_ERRKIND_HRESULT, "RPC_E_TOO_LATE",
     "Security must be initialized before any interfaces are marshalled or unmarshalled."},
    {0x80040154U, SXS_ERRKIND_HRESULT, "REGDB_E_CLASSNOTREG", "Class not registered."},
    {0x80041006U, SXS_ERRKIND_HRESULT, "WBEM_E_OUT_OF_MEMORY",
     "Not enough memory for the WMI operation."},
    {0x80080005U, SXS_ERRKIND_HRESULT, "CO_E_SERVER_EXEC_FAILURE", "Server execution failed."},
    {0x800B0109U, SXS_ERRKIND_HRESULT, "CERT_E_UNTRUSTEDROOT",
     "A certificate chain processed, but terminated in a root certificate which is not trusted."},
    {0x800F0805U, SXS_ERRKIND_CBS, "CBS_E_INVALID_PACKAGE",
     "The update package is not a valid CSI update."},
    {0x800F081EU, SXS_ERRKIND_CBS, "CBS_E_NOT_APPLICABLE",
     "The package is not applicable to this computer."},
    {0x800F081FU, SXS_ERRKIND_CBS, "CBS_E_SOURCE_MISSING",
     "The source files could not be found (repair source missing)."},
    {0x800F0820U, SXS_ERRKIND_CBS, "CBS_E_CANCEL", "The servicing operation was cancelled."},
    {0x800F0821U, SXS_ERRKIND_CBS, "CBS_E_ABORT",
     "The servicing operation was aborted (timed out)."},
    {0x800F0831U, SXS_ERRKIND_CBS, "CBS_E_STORE_CORRUPTION",
     "The component store is corrupted: a package or manifest it needs is missing."},
    {0x800F0900U, SXS_ERRKIND_CBS, "CBS_E_XML_PARSER_FAILURE",
     "Unexpected internal XML parser error."},
    {0x800F0922U, SXS_ERRKIND_CBS, "CBS_E_INSTALLERS_FAILED",
     "Processing advanced installers and generic commands failed."},
    {0x800F0982U, SXS_ERRKIND_CBS, "PSFX_E_MATCHING_COMPONENT_NOT_FOUND",
     "A component the update patches against was not found in the store."},
    {0x800F0983U, SXS_ERRKIND_CBS, "PSFX_E_MATCHING_COMPONENT_DIRECTORY_MISSING",
     "The directory of a component the update patches against is missing."},
    {0x800F0984U, SXS_ERRKIND_CBS, "PSFX_E_MATCHING_BINARY_MISSING",
     "A binary the update patches against is missing from the component store."},
    {0x800F0985U, SXS_ERRKIND_CBS, "PSFX_E_APPLY_REVERSE_DELTA_FAILED",
     "Applying a reverse delta failed."},
    {0x800F0986U, SXS_ERRKIND_CBS, "PSFX_E_APPLY_FORWARD_DELTA_FAILED",
     "Applying a forward delta failed."},
    {0x800F0988U, SXS_ERRKIND_CBS, "PSFX_E_INVALID_DELTA_COMBINATION",
     "The delta combination is invalid."},
    {0x800F0989U, SXS_ERRKIND_CBS, "PSFX_E_REVERSE_DELTA_MISSING", "A reverse delta is missing."},
    {0x80190193U, SXS_ERRKIND_HRESULT, "BG_E_HTTP_ERROR_403",
     "The server refused the download (HTTP 403 Forbidden)."},
    {0x80240009U, SXS_ERRKIND_HRESULT, "WU_E_OPERATIONINPROGRESS",
     "Another conflicting Windows Update operation is in progress."},
    {0x8024000BU, SXS_ERRKIND_HRESULT, "WU_E_CALL_CANCELLED",
     "The Windows Update operation was cancelled."},
    {0x80240017U, SXS_ERRKIND_HRESULT, "WU_E_NOT_APPLICABLE", "The update is not applicable."},
    {0x80240022U, SXS_ERRKIND_HRESULT, "WU_E_ALL_UPDATES_FAILED",
     "Operation failed for all the updates."},
    {0x8024200BU, SXS_ERRKIND_HRESULT, "WU_E_UH_INSTALLERFAILURE",
     "The update handler failed: the installer of an update failed."},
    {0x80244018U, SXS_ERRKIND_HRESULT, "WU_E_PT_HTTP_STATUS_FORBIDDEN",
     "The update server refused the request (HTTP 403)."},
    {0x8024402CU, SXS_ERRKIND_HRESULT, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED",
     "The update server name could not be resolved."},
    {0x80248007U, SXS_ERRKIND_HRESULT, "WU_E_DS_NODATA",
     "The requested information is not in the Windows Update data store."},
    {0x81000037U, SXS_ERRKIND_SETUP, "BACKUP_SHADOW_COPY_READ_FAILED",
     "Windows Backup failed while reading from the shadow copy of a volume being backed up (often "
     "a reparse point to a missing target)."},
    {0xC0000001U, SXS_ERRKIND_NTSTATUS, "STATUS_UNSUCCESSFUL",
     "The requested operation was unsuccessful."},
    {0xC0000005U, SXS_ERRKIND_NTSTATUS, "STATUS_ACCESS_VIOLATION", "Access violation."},
    {0xC000000DU, SXS_ERRKIND_NTSTATUS, "STATUS_INVALID_PARAMETER",
     "An invalid parameter was passed to a service or function."},
    {0xC0000022U, SXS_ERRKIND_NTSTATUS, "STATUS_ACCESS_DENIED",
     "A process has requested access to an object but has not been granted those access rights."},
    {0xC0000023U, SXS_ERRKIND_NTSTATUS, "STATUS_BUFFER_TOO_SMALL",
     "The buffer is too small to contain the entry."},
    {0xC0000034U, SXS_ERRKIND_NTSTATUS, "STATUS_OBJECT_NAME_NOT_FOUND",
     "The object name is not found."},
    {0xC0000035U, SXS_ERRKIND_NTSTATUS, "STATUS_OBJECT_NAME_COLLISION",
     "The object name already exists."},
    {0xC000003AU, SXS_ERRKIND_NTSTATUS, "STATUS_OBJECT_PATH_NOT_FOUND", "The path does not exist."},
    {0xC0000043U, SXS_ERRKIND_NTSTATUS, "STATUS_SHARING_VIOLATION",
     "A file cannot be opened because the share access flags are incompatible."},
    {0xC0000054U, SXS_ERRKIND_NTSTATUS, "STATUS_FILE_LOCK_CONFLICT",
     "A requested read/write cannot be granted due to a conflicting file lock."},
    {0xC0000061U, SXS_ERRKIND_NTSTATUS, "STATUS_PRIVILEGE_NOT_HELD",
     "A required privilege is not held by the client."},
    {0xC000007FU, SXS_ERRKIND_NTSTATUS, "STATUS_DISK_FULL",
     "An operation failed because the disk was full."},
    {0xC0000098U, SXS_ERRKIND_NTSTATUS, "STATUS_FILE_INVALID",
     "The volume for a file has been externally altered so that the opened file is no longer "
     "valid."},
    {0xC000009AU, SXS_ERRKIND_NTSTATUS, "STATUS_INSUFFICIENT_RESOURCES",
     "Insufficient system resources exist to complete the API."},
    {0xC00000BBU, SXS_ERRKIND_NTSTATUS, "STATUS_NOT_SUPPORTED", "The request is not supported."},
    {0xC0000101U, SXS_ERRKIND_NTSTATUS, "STATUS_DIRECTORY_NOT_EMPTY",
     "The directory is not empty."},
    {0xC0000102U, SXS_ERRKIND_NTSTATUS, "STATUS_FILE_CORRUPT_ERROR",
     "The file or directory is corrupt and unreadable."},
    {0xC0000103U, SXS_ERRKIND_NTSTATUS, "STATUS_NOT_A_DIRECTORY",
     "A requested opened file is not a directory."},
    {0xC0000135U, SXS_ERRKIND_NTSTATUS, "STATUS_DLL_NOT_FOUND",
     "The program cannot start because a required DLL was not found."},
    {0xC0000142U, SXS_ERRKIND_NTSTATUS, "STATUS_DLL_INIT_FAILED",
     "A DLL initialization routine failed."},
    {0xC0000225U, SXS_ERRKIND_NTSTATUS, "STATUS_NOT_FOUND", "The object was not found."},
    {0xC0000428U, SXS_ERRKIND_NTSTATUS, "STATUS_INVALID_IMAGE_HASH",
     "The hash for the image cannot be found in the system catalogs."},
    {0xC0150001U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_SECTION_NOT_FOUND",
     "The requested section is not present in the activation context."},
    {0xC0150002U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_CANT_GEN_ACTCTX",
     "Windows was unable to process the application binding information."},
    {0xC0150003U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_INVALID_ACTCTXDATA_FORMAT",
     "The application binding data format is invalid."},
    {0xC0150004U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_ASSEMBLY_NOT_FOUND",
     "The referenced assembly is not installed on the system."},
    {0xC0150005U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_MANIFEST_FORMAT_ERROR",
     "The manifest file does not begin with the required tag and format information."},
    {0xC0150006U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_MANIFEST_PARSE_ERROR",
     "The manifest file contains one or more syntax errors."},
    {0xC0150007U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_ACTIVATION_CONTEXT_DISABLED",
     "The application attempted to activate a disabled activation context."},
    {0xC0150008U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_KEY_NOT_FOUND",
     "The requested lookup key was not found in any active activation context."},
    {0xC0150009U, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_VERSION_CONFLICT",
     "A component version required by the application conflicts with another active component "
     "version."},
    {0xC015000AU, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_WRONG_SECTION_TYPE",
     "The type requested activation context section does not match the query API used."},
    {0xC015000BU, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_THREAD_QUERIES_DISABLED",
     "Lack of system resources has required isolated activation to be disabled for the current "
     "thread."},
    {0xC015000CU, SXS_ERRKIND_NTSTATUS, "STATUS_SXS_ASSEMBLY_MISSING",
     "The referenced assembly could not be found."},
    {0xC1900101U, SXS_ERRKIND_SETUP, "SETUP_ROLLBACK_GENERIC",
     "Setup rolled back; a generic rollback code that usually means an incompatible driver (see "
     "the extend code for phase and operation)."},
    {0xC1900107U, SXS_ERRKIND_SETUP, "SETUP_CLEANUP_PENDING",
     "A cleanup operation from a previous installation attempt is still pending; restart and "
     "retry."},
    {0xC1900108U, SXS_ERRKIND_SETUP, "SETUP_INSTALL_FAILED_REMAPPED",
     "Setup failed; telemetry result remapped from the install error logged before it."},
    {0xC1900200U, SXS_ERRKIND_SETUP, "SETUP_MIN_REQUIREMENTS",
     "The system does not meet the minimum requirements for the upgrade."},
    {0xC1900201U, SXS_ERRKIND_SETUP, "SETUP_SYSTEM_RESERVED_PARTITION",
     "The System Reserved partition could not be updated."},
    {0xC1900202U, SXS_ERRKIND_SETUP, "SETUP_MIN_REQUIREMENTS_UPDATE",
     "The system does not meet the minimum requirements to install the update."},
    {0xC1900204U, SXS_ERRKIND_SETUP, "SETUP_MIGRATION_CHOICE",
     "The selected migration choice is not available."},
    {0xC1900208U, SXS_ERRKIND_SETUP, "SETUP_INCOMPATIBLE_APP",
     "An incompatible app or driver blocks the upgrade."},
    {0xC1900209U, SXS_ERRKIND_SETUP, "SETUP_COMPAT_SCAN_FAILED",
     "The system does not pass the compatibility scan."},
    {0xC1900223U, SXS_ERRKIND_SETUP, "SETUP_DOWNLOAD_FAILED",
     "There was a problem downloading or connecting to the update service."},
    {0xE0000204U, SXS_ERRKIND_SETUPAPI, "ERROR_KEY_DOES_NOT_EXIST",
     "SetupAPI: the requested device registry key does not exist."},
    {0xE000020EU, SXS_ERRKIND_SETUPAPI, "ERROR_DI_DO_DEFAULT",
     "SetupAPI: the class installer asks for the default action (not a failure)."},
    {0xE0000241U, SXS_ERRKIND_SETUPAPI, "ERROR_AUTHENTICODE_TRUSTED_PUBLISHER",
     "SetupAPI: the INF was signed with an Authenticode catalog from a trusted publisher."},
    {0xE0000242U, SXS_ERRKIND_SETUPAPI, "ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED",
     "SetupAPI: the publisher of an Authenticode-signed catalog has not yet been established as "
     "trusted."},
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

size_t sxs_errcode_count(void)
{
    return TABLE_LEN;
}

const sxs_errcode_info *sxs_errcode_at(size_t i)
{
    return i < TABLE_LEN ? &table[i] : NULL;
}

static const sxs_errcode_info *find_exact(uint32_t code)
{
    size_t lo = 0, hi = TABLE_LEN;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table[mid].code == code)
            return &table[mid];
        if (table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const sxs_errcode_info *sxs_errcode_lookup(uint32_t code)
{
    const sxs_errcode_info *e = find_exact(code);
    if (e)
        return e;
    if ((code & 0xFFFF0000u) == 0x80070000u) { /* HRESULT_FROM_WIN32 */
        e = find_exact(code & 0xFFFFu);
        return e && e->kind == SXS_ERRKIND_WIN32 ? e : NULL;
    }
    if ((code & 0xF0000000u) == 0xD0000000u) { /* HRESULT_FROM_NT: NTSTATUS | 0x10000000 */
        e = find_exact(code & ~0x10000000u);
        return e && e->kind == SXS_ERRKIND_NTSTATUS ? e : NULL;
    }
    return NULL;
}

const char *sxs_errcode_facility(uint32_t code)
{
    if (!(code & 0x80000000u) || (code & 0x20000000u) || (code & 0xF0000000u) == 0xC0000000u)
        return NULL; /* success, customer-defined or NTSTATUS-shaped */
    switch ((code >> 16) & 0x7FF) {
    case 0x000:
        return "Null";
    case 0x001:
        return "RPC";
    case 0x004:
        return "ITF";
    case 0x007:
        return "Win32";
    case 0x008:
        return "Windows";
    case 0x00B:
        return "Certificates";
    case 0x00F:
        return "SetupAPI/CBS";
    case 0x019:
        return "HTTP (BITS)";
    case 0x020:
        return "BackgroundCopy";
    case 0x024:
        return "WindowsUpdate";
    case 0x0D0:
        return "DeliveryOptimization";
    default:
        return NULL;
    }
}

int sxs_errcode_format(uint32_t code, char *out, size_t cap)
{
    if (!out || cap == 0)
        return -ENOSPC;
    const sxs_errcode_info *e = sxs_errcode_lookup(code);
    int n;
    if (e) {
        n = snprintf(out, cap, "0x%08X %s: %s", code, e->name, e->meaning);
    } else {
        const char *fac = sxs_errcode_facility(code);
        if (fac)
            n = snprintf(out, cap, "0x%08X (unknown code, facility %s)", code, fac);
        else
            n = snprintf(out, cap, "0x%08X (unknown code)", code);
    }
    if (n < 0)
        return -EINVAL;
    if ((size_t)n >= cap)
        return -ENOSPC;
    return n;
}

size_t sxs_errcode_parse_hex(const char *text, size_t len, uint32_t *ret)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t'))
        i++;
    if (len - i < 3 || text[i] != '0' || (text[i + 1] != 'x' && text[i + 1] != 'X'))
        return 0;
    i += 2;
    uint32_t v = 0;
    size_t digits = 0;
    for (; i < len; i++) {
        char c = text[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        if (++digits > 8)
            return 0;
        v = (v << 4) | d;
    }
    if (digits == 0)
        return 0;
    *ret = v;
    return i;
}

static const struct {
    const char *name, *label;
} phases[] = {
    {"SP_EXECUTION_UNKNOWN", "unknown"},     {"SP_EXECUTION_DOWNLEVEL", "Downlevel"},
    {"SP_EXECUTION_SAFE_OS", "Safe OS"},     {"SP_EXECUTION_FIRST_BOOT", "First boot"},
    {"SP_EXECUTION_OOBE_BOOT", "OOBE boot"}, {"SP_EXECUTION_UNINSTALL", "Uninstall"},
};

static const struct {
    const char *name, *label;
} operations[] = {
    {"SP_EXECUTION_OP_UNKNOWN", "unknown"},
    {"SP_EXECUTION_OP_COPY_PAYLOAD", "copy payload"},
    {"SP_EXECUTION_OP_DOWNLOAD_UPDATES", "download updates"},
    {"SP_EXECUTION_OP_INSTALL_UPDATES", "install updates"},
    {"SP_EXECUTION_OP_INSTALL_RECOVERY_ENVIRONMENT", "install recovery environment"},
    {"SP_EXECUTION_OP_INSTALL_RECOVERY_IMAGE", "install recovery image"},
    {"SP_EXECUTION_OP_REPLICATE_OC", "replicate optional components"},
    {"SP_EXECUTION_OP_INSTALL_DRIVERS", "install drivers"},
    {"SP_EXECUTION_OP_PREPARE_SAFE_OS", "prepare Safe OS"},
    {"SP_EXECUTION_OP_PREPARE_ROLLBACK", "prepare rollback"},
    {"SP_EXECUTION_OP_PREPARE_FIRST_BOOT", "prepare first boot"},
    {"SP_EXECUTION_OP_PREPARE_OOBE_BOOT", "prepare OOBE boot"},
    {"SP_EXECUTION_OP_APPLY_IMAGE", "apply image"},
    {"SP_EXECUTION_OP_MIGRATE_DATA", "migrate data"},
    {"SP_EXECUTION_OP_SET_PRODUCT_KEY", "set product key"},
    {"SP_EXECUTION_OP_ADD_UNATTEND", "add unattend"},
    {"SP_EXECUTION_OP_ADD_DRIVER", "add driver"},
    {"SP_EXECUTION_OP_ENABLE_FEATURE", "enable feature"},
    {"SP_EXECUTION_OP_DISABLE_FEATURE", "disable feature"},
    {"SP_EXECUTION_OP_REGISTER_ASYNC_PROCESS", "register async process"},
    {"SP_EXECUTION_OP_REGISTER_SYNC_PROCESS", "register sync process"},
    {"SP_EXECUTION_OP_CREATE_FILE", "create file"},
    {"SP_EXECUTION_OP_CREATE_REGISTRY", "create registry"},
    {"SP_EXECUTION_OP_BOOT", "boot"},
    {"SP_EXECUTION_OP_SYSPREP", "sysprep"},
    {"SP_EXECUTION_OP_OOBE", "OOBE"},
    {"SP_EXECUTION_OP_BEGIN_FIRST_BOOT", "begin first boot"},
    {"SP_EXECUTION_OP_END_FIRST_BOOT", "end first boot"},
    {"SP_EXECUTION_OP_BEGIN_OOBE_BOOT", "begin OOBE boot"},
    {"SP_EXECUTION_OP_END_OOBE_BOOT", "end OOBE boot"},
    {"SP_EXECUTION_OP_PRE_OOBE", "pre-OOBE"},
    {"SP_EXECUTION_OP_POST_OOBE", "post-OOBE"},
    {"SP_EXECUTION_OP_ADD_PROVISIONING_PACKAGE", "add provisioning package"},
};

int sxs_extend_code_from_values(uint32_t code, uint32_t extend, sxs_extend_code *ret)
{
    sxs_extend_code x = {.code = code, .extend = extend};
    x.phase = extend >> 16;
    x.operation = extend & 0xFFFFu;
    if (x.phase < sizeof(phases) / sizeof(phases[0])) {
        x.phase_name = phases[x.phase].name;
        x.phase_label = phases[x.phase].label;
    }
    if (x.operation < sizeof(operations) / sizeof(operations[0])) {
        x.operation_name = operations[x.operation].name;
        x.operation_label = operations[x.operation].label;
    }
    *ret = x;
    return 1;
}

int sxs_extend_code_decode(const char *text, sxs_extend_code *ret)
{
    if (!text || !ret)
        return 0;
    size_t len = strlen(text);
    uint32_t code, ext;
    size_t i = sxs_errcode_parse_hex(text, len, &code);
    if (!i)
        return 0;
    while (i < len && text[i] == ' ')
        i++;
    if (i >= len || text[i] != '-')
        return 0;
    i++;
    size_t k = sxs_errcode_parse_hex(text + i, len - i, &ext);
    if (!k)
        return 0;
    /* Extend codes have 5 hex digits at most: phase digit + 4 operation digits. */
    if (ext > 0xFFFFFu)
        return 0;
    return sxs_extend_code_from_values(code, ext, ret);
}
