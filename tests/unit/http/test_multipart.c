/* test_multipart.c - tests of src/http/multipart.c: forms, files on disk, refusals. */
#include "util/common.h"
#include "http/multipart.h"
#include "testlib.h"

#include <dirent.h>
#include <gmime/gmime.h>

#define CT "multipart/form-data; boundary=XyZ"

struct fixture {
	char *dir;
	char *blobs;
	struct arena a;
	struct mp_limits lim;
	struct mp_form form;
	struct mp_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->dir = tl_tmpdir("multipart");
	f->blobs = tl_join(f->dir, "files");
	arena_init(&f->a);
	f->lim = (struct mp_limits){.json_field = "message", .json_max = 1024, .file_max = 4096,
				    .files_max = 3, .blob_dir = f->blobs};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_release(&f->a);
	tl_rmtree(f->dir);
	free(f->dir);
	free(f->blobs);
	free(f);
	return 0;
}

/* Files in DIR/files/tmp: temporary uploads not cleaned up. */
static int tmp_files(struct fixture *f)
{
	char *tmp = tl_join(f->blobs, "tmp");
	DIR *d = opendir(tmp);
	struct dirent *de;
	int n = 0;

	free(tmp);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int parse(struct fixture *f, const char *ct, const char *body, size_t len)
{
	return multipart_parse(ct, body, len, &f->lim, &f->a, &f->form, &f->err);
}

static int parse_str(struct fixture *f, const char *body)
{
	return parse(f, CT, body, strlen(body));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = calloc(1, 65536);
	assert_non_null(fp);
	*len = fread(buf, 1, 65536, fp);
	fclose(fp);
	return buf;
}

static void expect_refused(struct fixture *f, int rc, int status, const char *code,
			   const char *detail)
{
	assert_int_equal(rc, -1);
	assert_int_equal(f->err.status, status);
	assert_string_equal(f->err.code, code);
	if (detail)
		assert_contains(f->err.detail, detail);
	assert_int_equal(f->form.nfiles, 0);
	assert_null(f->form.json);
	assert_int_equal(tmp_files(f), 0);
}

static void test_well_formed(void **state)
{
	struct fixture *f = *state;
	/* A file with NUL bytes, CRLFs and a lookalike of the boundary inside. */
	static const char bin[] = "a\0b\r\n--XyZz\r\n\0\r\n";
	char body[1024];
	size_t n = 0, got;
	char *data, hex[BLOB_HEX_LEN + 1];

	n += (size_t)snprintf(body + n, sizeof(body) - n,
			      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n"
			      "\r\n{\"body\":\"hi\"}\r\n--XyZ\r\nContent-Disposition: form-data; "
			      "name=\"file\"; filename=\"a.bin\"\r\nContent-Type: Image/PNG\r\n\r\n");
	memcpy(body + n, bin, sizeof(bin) - 1);
	n += sizeof(bin) - 1;
	n += (size_t)snprintf(body + n, sizeof(body) - n,
			      "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
			      "filename=\"notes.txt\"\r\n\r\nline one\r\n\r\n--XyZ--\r\nepilogue");
	assert_int_equal(parse(f, CT, body, n), 0);
	assert_string_equal(f->form.json, "{\"body\":\"hi\"}");
	assert_int_equal(f->form.json_len, 13);
	assert_int_equal(f->form.nfiles, 2);

	struct mp_file *x = &f->form.files[0];
	assert_string_equal(x->field, "file");
	assert_string_equal(x->filename, "a.bin");
	assert_string_equal(x->content_type, "image/png");
	assert_int_equal(x->tmp.size, sizeof(bin) - 1);
	data = slurp(x->tmp.path, &got);
	assert_int_equal(got, sizeof(bin) - 1);
	assert_memory_equal(data, bin, got);
	blob_hash(bin, sizeof(bin) - 1, hex);
	assert_string_equal(x->tmp.hex, hex);
	free(data);

	x = &f->form.files[1];
	assert_string_equal(x->filename, "notes.txt");
	assert_string_equal(x->content_type, "application/octet-stream"); /* none sent: no guess */
	data = slurp(x->tmp.path, &got);
	assert_int_equal(got, 10);
	assert_memory_equal(data, "line one\r\n", 10);
	free(data);
	assert_int_equal(tmp_files(f), 2);
	/* The request is over: its temporary files go. */
	arena_release(&f->a);
	assert_int_equal(tmp_files(f), 0);
}

static void test_missing_boundary(void **state)
{
	struct fixture *f = *state;
	const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n{}\r\n--XyZ--\r\n";

	expect_refused(f, parse(f, "multipart/form-data", body, strlen(body)), 400,
		       "missing_boundary", "boundary");
	expect_refused(f, parse(f, "multipart/form-data; boundary=", body, strlen(body)), 400,
		       "missing_boundary", NULL);
	expect_refused(f, parse(f, "multipart/form-data; charset=utf-8", body, strlen(body)), 400,
		       "missing_boundary", NULL);
}

static void test_not_a_form(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, parse(f, "application/json", "{}", 2), 415, "not_multipart", NULL);
	expect_refused(f, parse(f, "multipart/mixed; boundary=XyZ", "x", 1), 415, "not_multipart",
		       NULL);
	assert_true(multipart_is_form("Multipart/Form-Data; boundary=x"));
	assert_false(multipart_is_form("multipart/form-datax"));
	assert_false(multipart_is_form(NULL));
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;

	/* Cut inside a file: nothing stays on disk. */
	expect_refused(f, parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
				       "filename=\"a.txt\"\r\n\r\nhalf a fi"),
		       400, "invalid_multipart", "closing boundary");
	/* Cut after a part's delimiter. */
	expect_refused(f, parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
				       "filename=\"a.txt\"\r\n\r\nall\r\n--XyZ\r\n"),
		       400, "invalid_multipart", NULL);
	/* No parts at all, or garbage. */
	expect_refused(f, parse_str(f, ""), 400, "invalid_multipart", NULL);
	expect_refused(f, parse_str(f, "--XyZ--\r\n"), 400, "invalid_multipart", NULL);
	expect_refused(f, parse_str(f, "\x01\x02garbage--XyZ-"), 400, "invalid_multipart", NULL);
}

static void test_part_without_filename(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n"
				       "\r\nbytes\r\n--XyZ--\r\n"),
		       400, "invalid_multipart", "part 'file' is neither 'message' nor a file");
	expect_refused(f, parse_str(f, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--\r\n"),
		       400, "invalid_multipart", "no field name");
	expect_refused(f, parse_str(f, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--\r\n"),
		       400, "invalid_multipart", "Content-Disposition");
	expect_refused(f, parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
				       "filename=\"\"\r\n\r\nx\r\n--XyZ--\r\n"),
		       400, "invalid_multipart", "no file name");
	/* The message twice. */
	expect_refused(f, parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n"
				       "\r\n{}\r\n--XyZ\r\nContent-Disposition: form-data; "
				       "name=\"message\"\r\n\r\n{}\r\n--XyZ--\r\n"),
		       400, "invalid_multipart", "twice");
}

static void test_encoded_parts(void **state)
{
	struct fixture *f = *state;
	size_t got;
	char *data;

	assert_int_equal(parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
				      "filename=\"b64.bin\"\r\nContent-Transfer-Encoding: base64\r\n"
				      "\r\nAAEC/w==\r\n--XyZ\r\nContent-Disposition: form-data; "
				      "name=\"file\"; filename=\"qp.txt\"\r\nContent-Type: text/plain; "
				      "charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
				      "\r\ncaf=C3=A9 =3D ok\r\n--XyZ--\r\n"),
			 0);
	assert_int_equal(f->form.nfiles, 2);
	assert_null(f->form.json);
	data = slurp(f->form.files[0].tmp.path, &got);
	assert_int_equal(got, 4);
	assert_memory_equal(data, "\x00\x01\x02\xff", 4);
	free(data);
	data = slurp(f->form.files[1].tmp.path, &got);
	assert_int_equal(got, strlen("caf\xc3\xa9 = ok"));
	assert_memory_equal(data, "caf\xc3\xa9 = ok", got);
	free(data);
	assert_string_equal(f->form.files[1].content_type, "text/plain");
}

static void test_filenames(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *name;
		const char *param;
		const char *want;
	} cases[] = {
		{"quotes", "filename=\"say \\\"hi\\\".txt\"", "say \"hi\".txt"},
		{"unix path", "filename=\"../../etc/passwd\"", "passwd"},
		{"windows path", "filename=\"C:\\\\Users\\\\me\\\\report.pdf\"", "report.pdf"},
		{"CRLF, RFC 2231", "filename*=UTF-8''evil%0D%0AX-Injected: 1.txt",
		 "evil__X-Injected: 1.txt"},
		{"UTF-8, RFC 2231", "filename*=UTF-8''%E2%82%AC uro.txt", "\xe2\x82\xac uro.txt"},
		{"raw UTF-8", "filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"", "r\xc3\xa9sum\xc3\xa9.pdf"},
		{"semicolon", "filename=\"a;b=c.txt\"", "a;b=c.txt"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char body[512];
		snprintf(body, sizeof(body),
			 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; %s\r\n\r\nx\r\n"
			 "--XyZ--\r\n",
			 cases[i].param);
		if (parse_str(f, body) != 0)
			fail_msg("case '%s': refused: %s", cases[i].name, f->err.detail);
		if (f->form.nfiles != 1 || strcmp(f->form.files[0].filename, cases[i].want) != 0)
			fail_msg("case '%s': got '%s'", cases[i].name,
				 f->form.nfiles ? f->form.files[0].filename : "(none)");
	}
}

/* Appends to the buffer that ends at end. */
PRINTF_LIKE(3, 4)
static size_t put(char *p, char *end, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, (size_t)(end - p), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && n < end - p);
	return (size_t)n;
}

static void test_limits(void **state)
{
	struct fixture *f = *state;
	char *body = malloc(16384), *p = body;

	/* One byte over the file limit. */
	p += put(p, body + 16384, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n");
	memset(p, 'x', 4097);
	p += 4097;
	p += put(p, body + 16384, "\r\n--XyZ--\r\n");
	expect_refused(f, parse(f, CT, body, (size_t)(p - body)), 413, "attachment_too_large",
		       "'big' is over 4096 bytes");
	/* Exactly at the limit is fine. */
	p = body;
	p += put(p, body + 16384, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big\"\r\n\r\n");
	memset(p, 'x', 4096);
	p += 4096;
	p += put(p, body + 16384, "\r\n--XyZ--\r\n");
	assert_int_equal(parse(f, CT, body, (size_t)(p - body)), 0);
	assert_int_equal(f->form.files[0].tmp.size, 4096);
	arena_release(&f->a);

	/* Four files where three are allowed: the three written are removed too. */
	p = body;
	for (int i = 0; i < 4; i++)
		p += put(p, body + 16384, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
				"filename=\"f%d\"\r\n\r\n%d\r\n", i, i);
	p += put(p, body + 16384, "--XyZ--\r\n");
	expect_refused(f, parse(f, CT, body, (size_t)(p - body)), 413, "too_many_attachments",
		       NULL);

	/* A message over its limit. */
	p = body;
	p += put(p, body + 16384, "--XyZ\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n");
	memset(p, ' ', 1025);
	p += 1025;
	p += put(p, body + 16384, "\r\n--XyZ--\r\n");
	expect_refused(f, parse(f, CT, body, (size_t)(p - body)), 413, "body_too_large", NULL);
	free(body);
}

static void test_take(void **state)
{
	struct fixture *f = *state;
	struct arena job;
	const char *path;

	assert_int_equal(parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
				      "filename=\"a\"\r\n\r\n\r\n--XyZ--\r\n"),
			 0);
	assert_int_equal(f->form.files[0].tmp.size, 0); /* an empty file is a file */
	arena_init(&job);
	path = multipart_take(&f->form.files[0], &job);
	arena_release(&f->a);
	assert_true(tl_exists(path));
	arena_release(&job);
	assert_int_equal(tmp_files(f), 0);
}

static void test_adopt(void **state)
{
	struct fixture *f = *state;
	struct err e = ERR_INIT;
	char path[PATH_MAX], hex[BLOB_HEX_LEN + 1];
	struct arena job;
	const char *tmp;

	assert_int_equal(parse_str(f, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
				      "filename=\"a\"\r\n\r\nsame\r\n--XyZ\r\nContent-Disposition: "
				      "form-data; name=\"file\"; filename=\"b\"\r\n\r\nsame\r\n--XyZ--\r\n"),
			 0);
	blob_hash("same", 4, hex);
	assert_string_equal(f->form.files[0].tmp.hex, hex);
	arena_init(&job);
	for (size_t i = 0; i < 2; i++) {
		tmp = multipart_take(&f->form.files[i], &job);
		assert_int_equal(blob_adopt(f->blobs, tmp, f->form.files[i].tmp.hex, &e), ERR_OK);
		assert_false(tl_exists(tmp));
	}
	arena_release(&job);
	blob_path(f->blobs, hex, path, sizeof(path));
	assert_int_equal(tl_file_size(path), 4);
	assert_int_equal(tmp_files(f), 0);
	assert_int_equal(blob_adopt(f->blobs, "/nonexistent", "xyz", &e), ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_well_formed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_part_without_filename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encoded_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filenames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_take, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
	};
	int rc;

	g_mime_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	g_mime_shutdown();
	return rc;
}
