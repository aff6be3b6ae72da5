/* BitLocker as a volume layer: libbde over the encrypted volume (read through libtsk by the
 * caller), unlocked with the key material the user gave. Lives in a libyal island (only the
 * fsa_bde_* names are global). Key material is handed to libbde and nowhere else: it is never
 * copied, formatted or put into an error text here. */
#include <errno.h>
#include <libbde.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_yal.h"
#include "fsaccess/fsa_yal_bfio.h"

struct fsa_bde {
    fsa_yal_io io;
    libbfio_handle_t *h;
    libbde_volume_t *vol;
    const char *unlocked_with;
    char protectors[160];
    uint64_t size;
};

static const char *protector_name(uint16_t type)
{
    switch (type) {
    case LIBBDE_KEY_PROTECTION_TYPE_CLEAR_KEY:
        return "clear key";
    case LIBBDE_KEY_PROTECTION_TYPE_TPM:
        return "TPM";
    case LIBBDE_KEY_PROTECTION_TYPE_STARTUP_KEY:
        return "startup key";
    case LIBBDE_KEY_PROTECTION_TYPE_RECOVERY_PASSWORD:
        return "recovery password";
    case LIBBDE_KEY_PROTECTION_TYPE_PASSWORD:
        return "password";
    case 0x0500:
        return "TPM and PIN";
    case 0x0300:
        return "TPM and startup key";
    default:
        return "other";
    }
}

static void list_protectors(fsa_bde *b)
{
    int n = 0;
    b->protectors[0] = '\0';
    if (libbde_volume_get_number_of_key_protectors(b->vol, &n, NULL) != 1)
        return;
    size_t used = 0;
    for (int i = 0; i < n && used + 1 < sizeof(b->protectors); i++) {
        libbde_key_protector_t *kp = NULL;
        uint16_t type = 0xffff;
        if (libbde_volume_get_key_protector(b->vol, i, &kp, NULL) != 1)
            continue;
        if (libbde_key_protector_get_type(kp, &type, NULL) != 1)
            type = 0xffff;
        libbde_key_protector_free(&kp, NULL);
        const char *name = protector_name(type);
        if (strstr(b->protectors, name))
            continue;
        int w = snprintf(b->protectors + used, sizeof(b->protectors) - used, "%s%s",
                         used ? ", " : "", name);
        if (w < 0 || (size_t)w >= sizeof(b->protectors) - used)
            break;
        used += (size_t)w;
    }
}

static void close_volume(fsa_bde *b)
{
    if (b->vol) {
        libbde_volume_close(b->vol, NULL);
        libbde_volume_free(&b->vol, NULL);
    }
}

enum { KEY_NONE, KEY_RECOVERY, KEY_PASSWORD, KEY_STARTUP };

/* One attempt with one kind of key: 1 unlocked, 0 locked, -EINVAL metadata unreadable,
 * -ENOMEM. On failure why gets libbde's reason. */
static int attempt(fsa_bde *b, int kind, const fsa_bde_keys *k, char *why, size_t cap)
{
    libbde_error_t *e = NULL;
    int r = -EINVAL;
    if (libbde_volume_initialize(&b->vol, &e) != 1) {
        r = -ENOMEM;
        goto out;
    }
    int set = 1;
    if (kind == KEY_RECOVERY)
        set = libbde_volume_set_utf8_recovery_password(
            b->vol, (const uint8_t *)k->recovery_password, strlen(k->recovery_password), &e);
    else if (kind == KEY_PASSWORD)
        set = libbde_volume_set_utf8_password(b->vol, (const uint8_t *)k->password,
                                              strlen(k->password), &e);
    else if (kind == KEY_STARTUP)
        set = libbde_volume_read_startup_key(b->vol, k->startup_key_file, &e);
    if (set != 1) {
        /* libbde's message may quote what it parsed: give only our own words */
        snprintf(why, cap, "%s not accepted by libbde",
                 kind == KEY_STARTUP ? "the startup key file was" : "the key was");
        libbde_error_free(&e);
        e = NULL;
        r = 0;
        goto out;
    }
    b->io.pos = 0;
    /* 1 open and unlocked; 0 open but the keys given unlock nothing (libbde's "keys could not
     * be read": the volume stays locked); -1 the metadata cannot be read */
    int opened = libbde_volume_open_file_io_handle(b->vol, b->h, LIBBDE_OPEN_READ, &e);
    if (opened < 0)
        goto out;
    list_protectors(b);
    if (opened == 0) {
        libbde_error_free(&e);
        e = NULL;
        r = 0;
        goto out;
    }
    int locked = libbde_volume_is_locked(b->vol, &e);
    if (locked < 0)
        goto out;
    if (locked == 0) {
        size64_t size = 0;
        if (libbde_volume_get_size(b->vol, &size, &e) != 1)
            goto out;
        b->size = size;
        return 1;
    }
    r = 0;
out:
    if (e) {
        libbde_error_sprint(e, why, cap);
        libbde_error_free(&e);
        fsa_yal_first_line(why);
    }
    close_volume(b);
    return r;
}

int fsa_bde_open(fsa_yal_read_fn read, void *ctx, uint64_t size, const fsa_bde_keys *keys,
                 fsa_bde **ret, char *why, size_t why_cap)
{
    static const fsa_bde_keys none = {0};
    const fsa_bde_keys *k = keys ? keys : &none;
    fsa_bde *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->io = (fsa_yal_io){.read = read, .ctx = ctx, .size = size};
    if (fsa_yal_handle(&b->io, &b->h) < 0) {
        free(b);
        return -ENOMEM;
    }
    static const char *const kinds[] = {"clear key", "recovery password", "password",
                                        "startup key"};
    const bool given[] = {true, k->recovery_password && *k->recovery_password,
                          k->password && *k->password, k->startup_key_file && *k->startup_key_file};
    char protectors[sizeof(b->protectors)] = "";
    int r = 0;
    why[0] = '\0';
    bool metadata_read = false;
    for (int kind = KEY_NONE; kind <= KEY_STARTUP; kind++) {
        if (!given[kind])
            continue;
        r = attempt(b, kind, k, why, why_cap);
        if (b->protectors[0])
            memcpy(protectors, b->protectors, sizeof(protectors));
        if (r == 1) {
            b->unlocked_with = kinds[kind]; /* attempt left the unlocked volume open */
            *ret = b;
            return 0;
        }
        if (r == 0)
            metadata_read = true;
        /* libbde 20190102 fails the open (-1) when a key is set for which the volume has no
         * protector: once the metadata was read without it, that key just unlocks nothing,
         * and the other kinds given are still tried */
        if (r == -EINVAL && metadata_read)
            r = 0;
        else if (r < 0)
            break; /* unreadable metadata: no key will help */
    }
    if (r == 0)
        snprintf(why, why_cap, "protectors: %s", protectors[0] ? protectors : "none listed");
    libbfio_handle_free(&b->h, NULL);
    free(b);
    return r < 0 ? r : -EACCES;
}

const char *fsa_bde_unlocked_with(const fsa_bde *b)
{
    return b->unlocked_with;
}

const char *fsa_bde_protectors(const fsa_bde *b)
{
    return b->protectors;
}

uint64_t fsa_bde_size(const fsa_bde *b)
{
    return b->size;
}

ssize_t fsa_bde_read(fsa_bde *b, uint64_t off, void *buf, size_t len)
{
    if (off >= b->size)
        return 0;
    if (len > b->size - off)
        len = (size_t)(b->size - off);
    return libbde_volume_read_buffer_at_offset(b->vol, buf, len, (off64_t)off, NULL);
}

void fsa_bde_close(fsa_bde *b)
{
    if (!b)
        return;
    close_volume(b);
    libbfio_handle_free(&b->h, NULL);
    free(b);
}
