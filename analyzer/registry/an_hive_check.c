/* Subkey-graph check of a hive, run before libregf sees it. libregf 20201007 follows
 * "ri" subkey indexes recursively, with no depth limit and no record of what it visited, so an
 * index that lists itself (five changed bytes in a real hive) recurses until the stack
 * overflows. This walk goes once over the keys reachable from the root key and their subkey
 * lists (lf, lh, li, ri), iteratively, with a bitmap of visited cells, as hivex does. A key or
 * list reached twice (a cycle, or structure shared between keys, which Windows never writes),
 * an index chain deeper than SXS_MAX_SUBKEY_INDEX_DEPTH or keys nested deeper than
 * SXS_MAX_KEY_DEPTH make the hive damaged, and so does a key whose value count wraps libregf's
 * 32-bit size check (it then reads far past the value list). Other damage (an offset outside the
 * bins, a cell that is not a key or list) is left to libregf, which reports it per key without
 * recursing; the walk follows every offset libregf could follow, so it never misses a loop libregf
 * would enter. Cost: one pass over the key cells, a bit per 8 bytes of hive bins. The walk reads
 * the hive through its view (an_hive_view.h), by range, a cell header and its fixed part at a
 * time: no copy of the hive is needed. */
#include "analyzer/registry/an_hive.h"
#include "analyzer/registry/an_hive_view.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_checked.h"
#include "common/sxs_limits.h"

#define BINS_START 4096u /* cell offsets count from the end of the base block */
#define CELL_ALIGN 8u    /* libregf only finds cells whose size is a multiple of 8 */
#define NK_FIXED 76u     /* fixed part of a key (nk) cell, after the cell size */
#define NK_SUBKEY_COUNT 20
#define NK_SUBKEY_LIST 28
#define NK_VALUE_COUNT 36
#define NK_VALUE_LIST 40
#define ROOT_CELL 36 /* base block field: root key cell offset */
#define NO_CELL 0xFFFFFFFFu
#define CELL_HEAD 96u /* what the walk reads of a cell: the nk fixed part, a list's header */

/* One subkey list being walked: which element comes next. */
typedef struct {
    uint32_t cell;  /* the list */
    uint32_t owner; /* the key whose subkeys it lists */
    uint32_t next, count;
    uint32_t key_depth; /* depth of owner below the root */
    uint8_t elem;       /* element size: 4 (ri, li) or 8 (lf, lh) */
    uint8_t leaf;       /* elements are keys (lf, lh, li), not lists (ri) */
    uint8_t depth;      /* index nesting: 1 for the list a key points at */
    char sig[3];
} list_frame;

typedef struct {
    an_hive_view *v;
    uint64_t len;
    int io_error;     /* a read of the source failed */
    uint8_t *visited; /* one bit per 8-byte cell slot of the bins */
    list_frame *stack;
    size_t top, cap, max; /* max: SXS_MAX_KEY_DEPTH + 1 keys, each with its index levels */
    uint32_t *ret_cell;
    char *why;
    size_t why_cap;
} walk;

/* The cell at bins offset off: the first bytes of its data (after the size field, up to
 * CELL_HEAD of them, into buf; the rest zero) and its data size. False when libregf could not
 * resolve the offset to a cell either, or when the source could not be read (w->io_error). */
static bool cell_at(walk *w, uint32_t off, uint8_t buf[CELL_HEAD], uint32_t *ret_size)
{
    if (off % CELL_ALIGN != 0 || off == NO_CELL ||
        !sxs_range_ok(BINS_START + (uint64_t)off, 4, w->len))
        return false;
    uint8_t head[4];
    int r = an_hive_view_read(w->v, BINS_START + (uint64_t)off, head, 4);
    if (r < 0) {
        w->io_error = r;
        return false;
    }
    int32_t raw = (int32_t)sxs_le32(head);
    uint32_t size = raw < 0 ? (uint32_t)0 - (uint32_t)raw : (uint32_t)raw;
    if (size < 8 || size % CELL_ALIGN != 0 ||
        !sxs_range_ok(BINS_START + (uint64_t)off, size, w->len))
        return false;
    size_t n = size - 4 < CELL_HEAD ? size - 4 : CELL_HEAD;
    memset(buf + n, 0, CELL_HEAD - n);
    r = an_hive_view_read(w->v, BINS_START + (uint64_t)off + 4, buf, n);
    if (r < 0) {
        w->io_error = r;
        return false;
    }
    *ret_size = size - 4;
    return true;
}

/* Marks a cell visited; false when it already was. */
static bool visit(walk *w, uint32_t off)
{
    size_t slot = off / CELL_ALIGN;
    uint8_t bit = (uint8_t)(1u << (slot % 8));
    if (w->visited[slot / 8] & bit)
        return false;
    w->visited[slot / 8] |= bit;
    return true;
}

static int damaged(walk *w, uint32_t cell, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int damaged(walk *w, uint32_t cell, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, w->why_cap, fmt, ap);
    va_end(ap);
    *w->ret_cell = cell;
    return -EBADMSG;
}

static bool on_path_as_list(const walk *w, uint32_t cell)
{
    for (size_t i = 0; i < w->top; i++)
        if (w->stack[i].cell == cell)
            return true;
    return false;
}

static bool on_path_as_owner(const walk *w, uint32_t key)
{
    for (size_t i = 0; i < w->top; i++)
        if (w->stack[i].owner == key)
            return true;
    return false;
}

/* Starts walking the subkey list at off, owned by key owner; from is the frame that points at
 * it (NULL: the key itself). */
static int enter_list(walk *w, uint32_t off, uint32_t owner, uint32_t key_depth,
                      const list_frame *from)
{
    uint8_t d[CELL_HEAD];
    uint32_t size;
    if (!cell_at(w, off, d, &size) || size < 4)
        return 0;
    uint8_t elem, leaf;
    if (d[0] == 'r' && d[1] == 'i') {
        elem = 4;
        leaf = 0;
    } else if (d[0] == 'l' && d[1] == 'i') {
        elem = 4;
        leaf = 1;
    } else if (d[0] == 'l' && (d[1] == 'f' || d[1] == 'h')) {
        elem = 8;
        leaf = 1;
    } else {
        return 0; /* libregf refuses an unknown list signature */
    }
    uint32_t count = sxs_le16(d + 2);
    if (count > size / elem)
        return 0; /* libregf refuses it too */
    unsigned depth = from ? from->depth + 1u : 1u;
    if (!visit(w, off)) {
        if (from && from->cell == off)
            return damaged(w, off, "subkey index (ri) at cell offset 0x%x lists itself", off);
        if (from)
            return damaged(w, off,
                           "subkey list (%c%c) at cell offset 0x%x is %s, reached again from the "
                           "subkey index (ri) at 0x%x",
                           d[0], d[1], off,
                           on_path_as_list(w, off) ? "part of a cycle" : "shared between lists",
                           from->cell);
        return damaged(w, off,
                       "subkey list (%c%c) at cell offset 0x%x is shared: key (nk) at 0x%x "
                       "points at a list already reached from another key",
                       d[0], d[1], off, owner);
    }
    if (depth > SXS_MAX_SUBKEY_INDEX_DEPTH)
        return damaged(w, off,
                       "subkey list (%c%c) at cell offset 0x%x is nested %u indexes deep (at most "
                       "%d)",
                       d[0], d[1], off, depth, SXS_MAX_SUBKEY_INDEX_DEPTH);
    if (w->top == w->cap) { /* deep trees are rare: grow on demand, up to the bound */
        size_t cap = w->cap * 2 < w->max ? w->cap * 2 : w->max;
        list_frame *n = cap > w->cap ? realloc(w->stack, cap * sizeof(*n)) : NULL;
        if (!n)
            return cap > w->cap
                       ? -ENOMEM
                       : damaged(w, off, "subkey lists nested too deep at cell offset 0x%x", off);
        w->stack = n;
        w->cap = cap;
    }
    list_frame *f = &w->stack[w->top++];
    *f = (list_frame){.cell = off,
                      .owner = owner,
                      .count = count,
                      .key_depth = key_depth,
                      .elem = elem,
                      .leaf = leaf,
                      .depth = (uint8_t)depth,
                      .sig = {(char)d[0], (char)d[1], '\0'}};
    return 0;
}

/* Visits the key at off, depth levels below the root, listed by the leaf list from (NULL: the
 * root key). */
static int enter_key(walk *w, uint32_t off, uint32_t depth, const list_frame *from)
{
    uint8_t d[CELL_HEAD];
    uint32_t size;
    if (!cell_at(w, off, d, &size) || size < NK_FIXED || d[0] != 'n' || d[1] != 'k')
        return 0; /* libregf reports a subkey that is not a key, and goes on */
    if (!visit(w, off)) {
        if (from && from->owner == off)
            return damaged(w, off,
                           "key (nk) at cell offset 0x%x lists itself as its own subkey (in its "
                           "subkey list (%s) at 0x%x)",
                           off, from->sig, from->cell);
        return damaged(w, off,
                       "key (nk) at cell offset 0x%x is %s, reached again from the subkey list "
                       "(%s) at 0x%x of key 0x%x",
                       off,
                       on_path_as_owner(w, off) ? "its own descendant (a cycle)"
                                                : "listed as a subkey twice",
                       from ? from->sig : "?", from ? from->cell : 0, from ? from->owner : 0);
    }
    if (depth > SXS_MAX_KEY_DEPTH)
        return damaged(w, off, "key (nk) at cell offset 0x%x is nested more than %d levels deep",
                       off, SXS_MAX_KEY_DEPTH);
    /* libregf 20201007 checks a value count against its list cell as count * 4 in 32 bits: from
     * 2^30 up the product wraps past the check and it reads a billion offsets beyond the cell. */
    uint32_t nval = sxs_le32(d + NK_VALUE_COUNT), vlist = sxs_le32(d + NK_VALUE_LIST);
    uint8_t vd[CELL_HEAD];
    uint32_t vsize;
    if (nval >= 0x40000000u && cell_at(w, vlist, vd, &vsize) && (uint32_t)(nval * 4u) <= vsize)
        return damaged(w, off,
                       "key (nk) at cell offset 0x%x claims %u values, more than its value list "
                       "at 0x%x holds",
                       off, nval, vlist);
    uint32_t nsub = sxs_le32(d + NK_SUBKEY_COUNT), list = sxs_le32(d + NK_SUBKEY_LIST);
    if (nsub == 0 || list == 0 || list == NO_CELL)
        return 0; /* libregf reads the list only when the key says it has subkeys */
    return enter_list(w, list, off, depth, NULL);
}

/* Takes the next element of the list on top of the stack. */
static int step(walk *w)
{
    list_frame *f = &w->stack[w->top - 1];
    if (f->next == f->count) {
        w->top--;
        return 0;
    }
    /* Elements follow the signature and count. libregf's count check lets the last one reach
     * 4 bytes past the cell, so only the hive bytes bound the read. */
    uint64_t at = BINS_START + (uint64_t)f->cell + 4 + 4 + (uint64_t)f->next * f->elem;
    f->next++;
    if (!sxs_range_ok(at, 4, w->len))
        return 0;
    uint8_t t[4];
    int r = an_hive_view_read(w->v, at, t, 4);
    if (r < 0) {
        w->io_error = r;
        return 0;
    }
    uint32_t target = sxs_le32(t);
    const list_frame copy = *f; /* entering may move the stack */
    if (copy.leaf)
        return enter_key(w, target, copy.key_depth + 1, &copy);
    return enter_list(w, target, copy.owner, copy.key_depth, &copy);
}

int an_hive_check_subkeys_view(an_hive_view *v, uint32_t *ret_cell, char *why, size_t why_cap)
{
    uint64_t len = an_hive_view_size(v);
    if (len < BINS_START + 8)
        return 0; /* no bins: nothing libregf could walk */
    if (len - BINS_START > (uint64_t)NO_CELL + 1)
        len = BINS_START + (uint64_t)NO_CELL + 1; /* cell offsets are 32-bit: none reaches beyond */
    size_t slots = (size_t)((len - BINS_START) / CELL_ALIGN + 1);
    uint8_t root[4];
    int rr = an_hive_view_read(v, ROOT_CELL, root, 4);
    if (rr < 0)
        return rr == -ENOMEM ? rr : -EIO;
    walk w = {.v = v,
              .len = len,
              .visited = calloc((slots + 7) / 8, 1),
              .cap = 32,
              .max = (size_t)(SXS_MAX_KEY_DEPTH + 1) * SXS_MAX_SUBKEY_INDEX_DEPTH,
              .ret_cell = ret_cell,
              .why = why,
              .why_cap = why_cap};
    w.stack = malloc(w.cap * sizeof(*w.stack));
    int r = w.visited && w.stack ? 0 : -ENOMEM;
    if (r == 0)
        r = enter_key(&w, sxs_le32(root), 0, NULL);
    while (r == 0 && w.io_error == 0 && w.top > 0)
        r = step(&w);
    free(w.visited);
    free(w.stack);
    if (r == 0 && w.io_error)
        return w.io_error == -ENOMEM ? -ENOMEM : -EIO;
    return r;
}

int an_hive_check_subkeys(const uint8_t *hive, size_t len, uint32_t *ret_cell, char *why,
                          size_t why_cap)
{
    an_hive_view *v = an_hive_view_mem_ref(hive, len);
    if (!v)
        return -ENOMEM;
    int r = an_hive_check_subkeys_view(v, ret_cell, why, why_cap);
    an_hive_view_free(v);
    return r;
}
