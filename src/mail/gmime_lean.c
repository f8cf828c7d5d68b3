/*
 * gmime_lean.c - what g_mime_init names of GMime's OpenPGP, S/MIME and GIO
 * parts, which champion never uses, so that they are not linked.
 *
 * g_mime_init registers every GMime type, the gpgme-backed OpenPGP and
 * S/MIME contexts and the GIO stream among them, and starts gpgme. Linked
 * from the archives, those six references alone pull in gpgme, libassuan
 * and libgpg-error, all of GIO (some 200 objects) and, through GIO,
 * libmount, libblkid, libselinux and libpcre2: ten shared libraries whose
 * loading, relocation and constructors were a third of a mailgate
 * delivery's start (docs/design/0004-mail.md, "Process start").
 *
 * meson.build links with --wrap for each of them when it links GMime from
 * its archive, so g_mime_init calls these instead. Champion parses mail
 * and composes it; it never signs, verifies, encrypts or decrypts, and
 * never hands GMime a GFile. A message that is signed or encrypted parses
 * as before (its parts are multiparts like any other); asking GMime to
 * verify or decrypt one would find no context for its protocol, and fail
 * as GMime fails for any unknown protocol. Never call these directly.
 */
#include <gmime/gmime.h>

const char *__wrap_gpgme_check_version_internal(const char *req, size_t offset);
GType __wrap_g_mime_gpg_context_get_type(void);
GType __wrap_g_mime_pkcs7_context_get_type(void);
GType __wrap_g_mime_stream_gio_get_type(void);
GMimeCryptoContext *__wrap_g_mime_gpg_context_new(void);
GMimeCryptoContext *__wrap_g_mime_pkcs7_context_new(void);

/* gpgme's own start (g_mime_init ignores what it returns): no gpgme here. */
const char *__wrap_gpgme_check_version_internal(const char *req, size_t offset)
{
	(void)req;
	(void)offset;
	return NULL;
}

/* Types g_mime_init registers only to have them registered: none. */
GType __wrap_g_mime_gpg_context_get_type(void)
{
	return G_TYPE_NONE;
}

GType __wrap_g_mime_pkcs7_context_get_type(void)
{
	return G_TYPE_NONE;
}

GType __wrap_g_mime_stream_gio_get_type(void)
{
	return G_TYPE_NONE;
}

/* The contexts g_mime_crypto_context_new would make: none, as for an unknown protocol. */
GMimeCryptoContext *__wrap_g_mime_gpg_context_new(void)
{
	return NULL;
}

GMimeCryptoContext *__wrap_g_mime_pkcs7_context_new(void)
{
	return NULL;
}
