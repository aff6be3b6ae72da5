/* Bug check names and advice (see boot_bugcheck.h). Names are those of bugcodes.h; the advice
 * paraphrases the "Cause" and "Resolution" sections of each code's page in Microsoft's Bug
 * Check Code Reference, cut to what can be acted on from a rescue VM or after boot. */
#include "analyzer/boot/boot_bugcheck.h"

#include <stddef.h>

static const boot_bugcheck table[] = {
    {0x0000000A, "IRQL_NOT_LESS_OR_EQUAL",
     "A driver or the kernel accessed paged or invalid memory at a raised IRQL: update or remove "
     "the driver installed most recently, then check the memory (Windows Memory Diagnostic)."},
    {0x00000019, "BAD_POOL_HEADER",
     "A pool header is corrupt, usually by a driver: update or remove recently installed "
     "drivers (antivirus, storage filters) and run Driver Verifier after boot."},
    {0x0000001A, "MEMORY_MANAGEMENT",
     "A severe memory-management error: run the memory diagnostic, check for faulty RAM and "
     "update or remove drivers installed recently."},
    {0x0000001E, "KMODE_EXCEPTION_NOT_HANDLED",
     "A kernel-mode program raised an exception nobody handled; parameter 2 is the address "
     "where it happened: update, roll back or disable the driver at that address."},
    {0x00000024, "NTFS_FILE_SYSTEM",
     "NTFS found a problem on the volume: run chkdsk /f on it (offline from the rescue VM) and "
     "check the disk's health."},
    {0x0000003B, "SYSTEM_SERVICE_EXCEPTION",
     "An exception in a system service routine, usually a driver (parameter 2 is the "
     "address): update or remove the driver named, and updates or drivers installed just "
     "before the crashes began."},
    {0x00000050, "PAGE_FAULT_IN_NONPAGED_AREA",
     "Invalid system memory was referenced: a faulty driver or service (antivirus), faulty "
     "RAM or a damaged NTFS volume; remove recently added drivers, run chkdsk and the memory "
     "diagnostic."},
    {0x0000005A, "CRITICAL_SERVICE_FAILED",
     "A service critical to boot failed to start: use Startup Repair or a restore point, and "
     "look at services and drivers installed or changed just before (their Start values)."},
    {0x00000074, "BAD_SYSTEM_CONFIG_INFO",
     "The registry (SYSTEM hive) or the BCD is damaged: restore the hive from a real backup "
     "copy (RegBack holds 0-byte files by default since Windows 10 1803) or a restore point; "
     "check the BCD store."},
    {0x00000077, "KERNEL_STACK_INPAGE_ERROR",
     "A page of kernel stack could not be read from the paging file: disk, controller or "
     "cabling problems, bad sectors: check the disk (chkdsk /r) and the storage driver."},
    {0x0000007A, "KERNEL_DATA_INPAGE_ERROR",
     "A page of kernel data could not be read into memory: bad sectors, a failing disk or "
     "controller, or a storage driver problem: check the disk (chkdsk /r) and the controller."},
    {0x0000007B, "INACCESSIBLE_BOOT_DEVICE",
     "Windows lost access to the system volume while starting: check that the storage "
     "drivers (the boot controller's miniport, storvsc on Azure, disk, volmgr, partmgr) have "
     "Start = 0 and their files exist, that no disk or volume class filter names a missing "
     "driver, that the BCD device/osdevice name this volume, and run chkdsk on it."},
    {0x0000007E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED",
     "A system thread raised an exception nobody handled; parameter 2 is the address: the "
     "driver there is the usual cause: update, roll back or disable it (Safe Mode, or its "
     "Start value offline)."},
    {0x0000009C, "MACHINE_CHECK_EXCEPTION",
     "The processor reported a fatal hardware error: check the hardware and firmware; on a "
     "virtual machine, report it to the platform."},
    {0x0000009F, "DRIVER_POWER_STATE_FAILURE",
     "A driver is in an inconsistent power state (often after sleep or hibernation): update "
     "or remove the driver named, typically network, storage or display."},
    {0x000000C2, "BAD_POOL_CALLER",
     "A driver made a bad pool request: update or remove the driver named and drivers "
     "installed recently."},
    {0x000000C4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
     "Driver Verifier caught a driver breaking a rule: the driver named is at fault; if the "
     "machine loops on it, turn Driver Verifier off (verifier /reset, or offline the "
     "VerifyDrivers and VerifyDriverLevel values under Session Manager\\Memory Management)."},
    {0x000000D1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL",
     "A kernel-mode driver accessed pageable memory at too high an IRQL; parameter 4 is the "
     "address that did it: update or remove that driver."},
    {0x000000ED, "UNMOUNTABLE_BOOT_VOLUME",
     "The boot volume could not be mounted: file system damage or a storage driver problem: "
     "run chkdsk /f on the volume offline, then check the storage drivers."},
    {0x000000EF, "CRITICAL_PROCESS_DIED",
     "A critical system process died: often damaged system files or a failed update: revert "
     "pending servicing actions, repair the component store and system files offline (DISM, "
     "sfc /offbootdir), or use a restore point."},
    {0x000000F4, "CRITICAL_OBJECT_TERMINATION",
     "A process or thread crucial to the system ended, often after storage I/O errors: check "
     "the disk and the storage driver."},
    {0x00000101, "CLOCK_WATCHDOG_TIMEOUT",
     "A processor stopped answering clock interrupts: check firmware, processor and "
     "virtualization settings; update the BIOS/firmware."},
    {0x00000109, "CRITICAL_STRUCTURE_CORRUPTION",
     "Kernel code or data was modified (a driver patching the kernel, or faulty memory): "
     "remove drivers that hook the kernel, run the memory diagnostic."},
    {0x00000116, "VIDEO_TDR_FAILURE",
     "The display driver failed to recover from a timeout: update or roll back the display "
     "driver."},
    {0x00000117, "VIDEO_TDR_TIMEOUT_DETECTED",
     "The display driver did not respond in time (a live dump; the system went on): update "
     "the display driver."},
    {0x00000124, "WHEA_UNCORRECTABLE_ERROR",
     "The hardware reported an uncorrectable error (processor, memory, bus): check the "
     "hardware and firmware, undo overclocking; on a virtual machine, report it to the "
     "platform."},
    {0x00000133, "DPC_WATCHDOG_VIOLATION",
     "A DPC ran too long or the system was stuck at DISPATCH_LEVEL, usually a driver (storage "
     "and SSD firmware, network): update the driver and the firmware."},
    {0x00000139, "KERNEL_SECURITY_CHECK_FAILURE",
     "The kernel found a critical data structure corrupted, usually by a driver: update or "
     "remove recently installed drivers and run the memory diagnostic."},
    {0x00000141, "VIDEO_ENGINE_TIMEOUT_DETECTED",
     "A display engine did not respond in time (a live dump): update the display driver."},
    {0x000001CA, "SYNTHETIC_WATCHDOG_TIMEOUT",
     "The system was unresponsive long enough for the (virtual) watchdog to fire: look for a "
     "storage or driver hang; on a virtual machine check the host's health."},
    {0x000000E2, "MANUALLY_INITIATED_CRASH",
     "The crash was started on purpose (keyboard crash or an NMI, e.g. from Azure's serial "
     "console): the dump shows the state at that moment, not a fault."},
    {0xC000021A, "WINLOGON_FATAL_ERROR",
     "A user-mode subsystem (Winlogon or CSRSS) failed: mismatched system files after an "
     "update or third-party software: revert pending servicing actions, run sfc offline, or "
     "use a restore point."},
};

const boot_bugcheck *boot_bugcheck_lookup(uint32_t code)
{
    if ((code & 0xFFFF0000u) == 0x10000000u)
        code &= 0x0000FFFFu;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].code == code)
            return &table[i];
    return NULL;
}
