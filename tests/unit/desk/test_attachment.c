/*
 * test_attachment.c - tests of src/desk/attachment.c and the upload path of
 * desk_attach: who may read an attachment (through its ticket, never an
 * internal note's for a customer), and files adopted from temporary uploads.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "store/blob.h"
#include "util/time.h"
#include "testlib.h"

static int setup(void **state)
{
	struct tl_desk *t = calloc(1, sizeof(*t));
	tl_desk_open(t, "desk-attachment");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tl_desk *t = *state;
	tl_desk_close(t);
	free(t);
	time_set_clock(NULL);
	return 0;
}

static int64_t create(struct tl_desk *t, const struct actor *who, const char *subject)
{
	struct ticket_new_in in = {.subject = subject, .body = "Help, please.",
				   .priority = -1, .channel = CHANNEL_PORTAL};
	struct err e = ERR_INIT;
	int64_t id = 0;
	if (desk_ticket_create(t->d, who, &in, &id, &e) != ERR_OK)
		fail_msg("create: %s", e.msg);
	return id;
}

static void add(struct tl_desk *t, const struct actor *who, int64_t id, enum msg_kind kind,
		const struct attachment_in *att, size_t n)
{
	struct message_in m = {.kind = kind, .body = "files", .channel = CHANNEL_WEB,
			       .status = -1, .attachments = att, .nattachments = n};
	struct message_out out;
	struct err e = ERR_INIT;
	if (desk_message_add(t->d, who, id, &m, &out, &e) != ERR_OK)
		fail_msg("message: %s", e.msg);
}

/* The attachment id of the blob with these bytes. */
static int64_t id_of(struct tl_desk *t, const char *data)
{
	char hex[BLOB_HEX_LEN + 1], sql[200];
	blob_hash(data, strlen(data), hex);
	snprintf(sql, sizeof(sql), "SELECT id FROM attachments WHERE sha256 = '%s'", hex);
	return tl_query_int(t->d->store.db, sql);
}

static void test_who_may_read(void **state)
{
	struct tl_desk *t = *state;
	struct attachment_in pub = {.filename = "log.txt", .content_type = "text/plain",
				    .data = "public bytes", .len = 12};
	struct attachment_in note = {.filename = "internal.txt", .data = "internal bytes",
				     .len = 14};
	struct attachment_file f;
	struct err e = ERR_INIT;
	struct arena a;
	int64_t id = create(t, &t->alice, "Files"), other = create(t, &t->bob, "Other");

	arena_init(&a);
	add(t, &t->alice, id, MSG_PUBLIC, &pub, 1);
	add(t, &t->agent, id, MSG_INTERNAL, &note, 1);
	int64_t pub_id = id_of(t, "public bytes"), note_id = id_of(t, "internal bytes");

	assert_int_equal(desk_attachment_get(t->d, &t->alice, &a, id, pub_id, &f, &e), ERR_OK);
	assert_string_equal(f.row.filename, "log.txt");
	assert_string_equal(f.row.content_type, "text/plain");
	assert_int_equal(f.row.size, 12);
	assert_int_equal(tl_file_size(f.path), 12);
	assert_int_equal(desk_attachment_get(t->d, &t->agent, &a, id, note_id, &f, &e), ERR_OK);
	assert_string_equal(f.row.filename, "internal.txt");
	assert_string_equal(f.row.content_type, "application/octet-stream");

	/* Not found, never forbidden: an internal note's, another's ticket, the wrong ticket. */
	assert_int_equal(desk_attachment_get(t->d, &t->alice, &a, id, note_id, &f, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(desk_attachment_get(t->d, &t->bob, &a, id, pub_id, &f, &e), ERR_NOT_FOUND);
	assert_int_equal(desk_attachment_get(t->d, &t->bob, &a, other, pub_id, &f, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(desk_attachment_get(t->d, &t->agent, &a, other, pub_id, &f, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(desk_attachment_get(t->d, &t->agent, &a, id, 9999, &f, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(desk_attachment_get(t->d, &t->agent, &a, 9999, pub_id, &f, &e),
			 ERR_NOT_FOUND);
	arena_release(&a);
}

/* An upload written to a temporary file is moved into the store with its message. */
static void test_adopts_uploads(void **state)
{
	struct tl_desk *t = *state;
	struct blob_tmp tmp;
	struct err e = ERR_INIT;
	char path[PATH_MAX];
	int64_t id = create(t, &t->alice, "Upload");

	assert_int_equal(blob_tmp_open(&tmp, t->d->store.blob_dir, &e), ERR_OK);
	assert_int_equal(blob_tmp_write(&tmp, "uploaded", 8, &e), ERR_OK);
	assert_int_equal(blob_tmp_finish(&tmp, &e), ERR_OK);
	struct attachment_in att = {.filename = "up.bin", .len = tmp.size, .tmp_path = tmp.path,
				    .sha256 = tmp.hex};
	add(t, &t->alice, id, MSG_PUBLIC, &att, 1);
	assert_false(tl_exists(tmp.path));
	blob_path(t->d->store.blob_dir, tmp.hex, path, sizeof(path));
	assert_int_equal(tl_file_size(path), 8);
	assert_int_equal(id_of(t, "uploaded") > 0, true);
	blob_tmp_discard(&tmp); /* nothing left to remove: harmless */
}

/* Too many files, or a type that could break a header: refused before anything is written. */
static void test_refused(void **state)
{
	struct tl_desk *t = *state;
	struct attachment_in many[DESK_ATTACHMENTS_MAX + 1];
	struct attachment_in bad = {.filename = "x.html", .content_type = "text/html\r\nX: y",
				    .data = "x", .len = 1};
	struct message_in m = {.kind = MSG_PUBLIC, .body = "files", .channel = CHANNEL_WEB,
			       .status = -1, .attachments = many, .nattachments = ARRAY_SIZE(many)};
	struct message_out out;
	struct err e = ERR_INIT;
	int64_t id = create(t, &t->alice, "Refused"), msgs = tl_count(t->d, "messages");

	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct attachment_in){.filename = "f.txt", .data = "x", .len = 1};
	assert_int_equal(desk_message_add(t->d, &t->alice, id, &m, &out, &e), ERR_INVALID);
	assert_contains(e.msg, "limit");
	m.attachments = &bad;
	m.nattachments = 1;
	assert_int_equal(desk_message_add(t->d, &t->alice, id, &m, &out, &e), ERR_INVALID);
	assert_contains(e.msg, "content type");
	assert_int_equal(tl_count(t->d, "messages"), msgs);
	assert_int_equal(tl_count(t->d, "attachments"), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_who_may_read),
		T(test_adopts_uploads),
		T(test_refused),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
