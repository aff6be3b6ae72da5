/* sxs-mkimage: a minimal EVTX writer (MS-EVEN6) for test images. Writes the 4096-byte file
 * header and 64 KiB chunks with their CRC32s, each record a template instance whose template
 * (Event/System/EventData, as Windows lays them out) is defined inline once per chunk and
 * shape and referenced by offset after that. Damage options break the result on purpose.
 * Test tooling only. */
#ifndef SXS_MKEVTX_H
#define SXS_MKEVTX_H

#include <stddef.h>
#include <stdint.h>

#include "sample-images/mkimage.h"

#define MKI_EVTX_MAX_FIELDS 24

struct mki_evtx_event {
    uint64_t record; /* EventRecordID; 0: the previous one + 1 */
    uint64_t time;   /* FILETIME, UTC */
    const char *provider;
    const char *channel;  /* NULL: the log's */
    const char *computer; /* NULL: the log's */
    uint16_t id;
    uint8_t level;
    size_t nfields;
    const char *name[MKI_EVTX_MAX_FIELDS]; /* EventData Data Name=; NULL: an unnamed Data */
    const char *value[MKI_EVTX_MAX_FIELDS];
};

struct mki_evtx_opts {
    const char *channel, *computer; /* defaults of the events */
    unsigned per_chunk;             /* 0: as many records as fit a chunk */
    int dirty;                      /* the header's dirty flag */
    int bad_header_crc;             /* the file header's CRC32 off by one */
    long bad_crc_chunk;             /* -1, else that chunk's event-records CRC32 is wrong */
    long bad_chunk;                 /* -1, else that chunk's signature is zeroed */
    uint64_t cut;                   /* 0: whole; else the file is cut to this many bytes */
};

struct mki_evtx; /* opaque */

/* A new writer. NULL when out of memory. */
struct mki_evtx *mki_evtx_new(const struct mki_evtx_opts *o);
/* Adds one event: 0, -E2BIG when it cannot fit one chunk, -EINVAL (bad text), -ENOMEM. */
int mki_evtx_add(struct mki_evtx *w, const struct mki_evtx_event *e);
/* Appends the whole file (header, chunks, damage applied) to out and frees the writer. */
int mki_evtx_finish(struct mki_evtx *w, struct mki_bytes *out);
void mki_evtx_free(struct mki_evtx *w);

#endif
