/* vt_spool.c: see vt_spool.h.
 *
 * Every file operation on an entry goes through the spool folder's
 * descriptor (openat, renameat, unlinkat, mkdirat), and rejected/ is opened
 * with O_NOFOLLOW, so a name swapped for a link by whoever writes the
 * folder never makes the daemon read, write or move anything outside it. */
#include "vt_spool.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_file.h"

vt_status vt_spool_submit(const char *spool_dir, const json_t *request, char **ret_name)
{
    vt_status st = vt_file_mkdirs(spool_dir);
    if (st != VT_OK)
        return st;
    char *text = json_dumps(request, JSON_COMPACT);
    if (!text)
        return vt_error_set(VT_ERR_NOMEM, "cannot encode a spool request");
    /* Time first so that name order is submission order; pid and a random
     * number keep two submitters in one microsecond apart. */
    char *name = g_strdup_printf("%016" G_GINT64_MODIFIER "x-%d-%08x.json", g_get_real_time(),
                                 (int)getpid(), g_random_int());
    char *path = g_build_filename(spool_dir, name, NULL);
    st = vt_file_write_atomic(path, text, strlen(text));
    free(text);
    g_free(path);
    if (st == VT_OK && ret_name)
        *ret_name = name;
    else
        g_free(name);
    return st;
}

vt_status vt_spool_hold_web(const char *spool_dir, int *ret_fd)
{
    g_autofree char *dir = g_build_filename(spool_dir, VT_SPOOL_WEB, NULL);
    vt_status st = vt_file_mkdirs(dir);
    if (st != VT_OK)
        return st;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open %s", dir);
    /* 0640: the web server's group reads it, to lock it shared. */
    int fd = openat(dfd, VT_SPOOL_DAEMON_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
    int err = errno;
    close(dfd);
    if (fd < 0)
        return vt_error_set_errno(VT_ERR_IO, err, "cannot open %s/%s", dir, VT_SPOOL_DAEMON_LOCK);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        err = errno;
        close(fd);
        return vt_error_set_errno(err == EWOULDBLOCK ? VT_ERR_BUSY : VT_ERR_IO, err,
                                  "cannot lock %s/%s", dir, VT_SPOOL_DAEMON_LOCK);
    }
    *ret_fd = fd;
    return VT_OK;
}

void vt_spool_prune_answers(const char *spool_dir, int64_t max_age_seconds)
{
    g_autofree char *path = g_build_filename(spool_dir, VT_SPOOL_ANSWERS, NULL);
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return;
    int lfd = dup(dfd);
    DIR *dir = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!dir) {
        if (lfd >= 0)
            close(lfd);
        close(dfd);
        return;
    }
    int64_t now = g_get_real_time() / G_USEC_PER_SEC;
    struct dirent *de;
    while ((de = readdir(dir))) {
        struct stat st;
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            now - (int64_t)st.st_mtime > max_age_seconds)
            (void)unlinkat(dfd, de->d_name, 0);
    }
    closedir(dir);
    close(dfd);
}

bool vt_spool_name_valid(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len < 6 || len > 128 || name[0] == '.' || !g_str_has_suffix(name, ".json"))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isalnum(name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
            return false;
    return true;
}

/* Opens (creating it) the folder @sub of @dfd, refusing a link. -1 and
 * errno on failure. */
static int open_subdir(int dfd, const char *sub)
{
    if (mkdirat(dfd, sub, 0750) != 0 && errno != EEXIST)
        return -1;
    return openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Writes @len bytes as @name in folder @dfd: a temporary created with
 * O_EXCL | O_NOFOLLOW, then renamed over @name. */
static vt_status write_at(int dfd, const char *name, const char *text, size_t len)
{
    g_autofree char *tmp = g_strdup_printf(".tmp-%s", name);
    (void)unlinkat(dfd, tmp, 0);   /* a leftover of a crash, or planted */
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot create %s", tmp);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            close(fd);
            unlinkat(dfd, tmp, 0);
            return vt_error_set_errno(VT_ERR_IO, err, "cannot write %s", tmp);
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int err = errno;
        unlinkat(dfd, tmp, 0);
        return vt_error_set_errno(VT_ERR_IO, err, "cannot write %s", tmp);
    }
    if (renameat(dfd, tmp, dfd, name) != 0) {
        int err = errno;
        unlinkat(dfd, tmp, 0);
        return vt_error_set_errno(VT_ERR_IO, err, "cannot name %s", name);
    }
    return VT_OK;
}

vt_status vt_spool_answer(const char *spool_dir, const char *name, const json_t *answer)
{
    if (!vt_spool_name_valid(name))
        return vt_error_set(VT_ERR_INVALID, "not a spool request name");
    int dfd = open(spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open %s", spool_dir);
    int afd = open_subdir(dfd, VT_SPOOL_ANSWERS);
    int err = errno;
    close(dfd);
    if (afd < 0)
        return vt_error_set_errno(VT_ERR_IO, err, "cannot open %s/%s", spool_dir,
                                  VT_SPOOL_ANSWERS);
    char *text = json_dumps(answer, JSON_COMPACT);
    vt_status st = text ? write_at(afd, name, text, strlen(text))
                        : vt_error_set(VT_ERR_NOMEM, "cannot encode an answer");
    free(text);
    close(afd);
    return st;
}

/* Moves entry @name of @dfd to rejected/ with its reason; removes it if it
 * cannot be moved, so that nothing is read twice. */
static void reject(int dfd, const char *spool_dir, const char *name, const char *reason)
{
    g_autofree char *text = g_strdup_printf("vitrine did not apply this request.\n\nReason: %s\n",
                                            reason);
    g_autofree char *why = g_strdup_printf("%s.reason.txt", name);
    int rfd = open_subdir(dfd, "rejected");
    int err = errno;
    /* The reason first: whoever waits for the request to leave the spool
     * (vitrine set) finds it complete the moment it does. */
    if (rfd < 0 || write_at(rfd, why, text, strlen(text)) != VT_OK)
        g_warning("spool: cannot write why %s/%s was rejected: %s", spool_dir, name,
                  rfd < 0 ? g_strerror(err) : vt_error_message());
    if (rfd < 0 || renameat(dfd, name, rfd, name) != 0) {
        if (rfd >= 0)
            err = errno;
        g_warning("spool: cannot move the rejected request %s/%s aside (%s): removed",
                  spool_dir, name, g_strerror(err));
        if (unlinkat(dfd, name, 0) != 0 && errno == EISDIR)
            (void)unlinkat(dfd, name, AT_REMOVEDIR);
    }
    if (rfd >= 0)
        close(rfd);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads entry @name of @dfd: a regular file of at most
 * VT_SPOOL_MAX_REQUEST bytes. VT_ERR_NOT_FOUND if it vanished (taken by a
 * concurrent reader); the message never quotes the content. */
static vt_status read_entry(int dfd, const char *name, char **ret_text, size_t *ret_len)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return VT_ERR_NOT_FOUND;
        if (errno == ELOOP)
            return vt_error_set(VT_ERR_INVALID, "a symbolic link, not a request file");
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot open the request");
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return vt_error_set_errno(VT_ERR_IO, err, "cannot stat the request");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return vt_error_set(VT_ERR_INVALID, "not a regular file (a %s)",
                            S_ISFIFO(st.st_mode)  ? "FIFO"
                            : S_ISDIR(st.st_mode) ? "folder"
                            : S_ISSOCK(st.st_mode) ? "socket"
                                                   : "device");
    }
    /* A second name could be a file of someone else's, linked in. */
    if (st.st_nlink > 1) {
        close(fd);
        return vt_error_set(VT_ERR_INVALID, "a file with %ju links, not a request file",
                            (uintmax_t)st.st_nlink);
    }
    /* Read from the descriptor: a sparse file or one still growing cannot
     * make the daemon read more than the cap. */
    GByteArray *data = g_byte_array_new();
    vt_status s = vt_file_read_capped(fd, "the request", VT_SPOOL_MAX_REQUEST, data);
    close(fd);
    if (s == VT_OK && data->len > VT_SPOOL_MAX_REQUEST)
        s = vt_error_set(VT_ERR_LIMIT, "the request is over the limit of %d bytes",
                         VT_SPOOL_MAX_REQUEST);
    if (s != VT_OK) {
        g_byte_array_unref(data);
        return s;
    }
    size_t len = data->len;
    g_byte_array_append(data, (const guint8 *)"", 1);
    char *buf = (char *)g_byte_array_free(data, FALSE);
    *ret_text = buf;
    *ret_len = len;
    return VT_OK;
}

vt_status vt_spool_take(const char *spool_dir, vt_spool_fn fn, void *data, unsigned *ret_count)
{
    int dfd = open(spool_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno == ENOENT) {
            if (ret_count)
                *ret_count = 0;
            return VT_OK;
        }
        return vt_error_set_errno(VT_ERR_IO, errno, "cannot read the spool folder %s",
                                  spool_dir);
    }
    int lfd = dup(dfd);
    DIR *dir = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (!dir) {
        int err = errno;
        if (lfd >= 0)
            close(lfd);
        close(dfd);
        return vt_error_set_errno(VT_ERR_IO, err, "cannot read the spool folder %s", spool_dir);
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    struct dirent *de;
    while ((de = readdir(dir)))
        if (de->d_name[0] != '.' && g_str_has_suffix(de->d_name, ".json"))
            g_ptr_array_add(names, g_strdup(de->d_name));
    closedir(dir);
    g_ptr_array_sort(names, compare_names);

    unsigned taken = 0;
    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        char *text = NULL;
        size_t len = 0;
        json_t *req = NULL;
        vt_status st = read_entry(dfd, n, &text, &len);
        if (st == VT_ERR_NOT_FOUND)
            continue;   /* taken by a concurrent reader, or vanished */
        if (st == VT_OK) {
            json_error_t jerr;
            /* jansson's message may quote the text ("near 'root'"): only
             * the position is given, so a link or a misplaced file never
             * has its content copied into a reason others read. */
            if (!(req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)))
                st = vt_error_set(VT_ERR_INVALID, "not valid JSON (line %d, column %d)",
                                  jerr.line, jerr.column);
            else if (!json_is_object(req) || !json_is_string(json_object_get(req, "action")))
                st = vt_error_set(VT_ERR_INVALID,
                                  "a request is a JSON object with an \"action\"");
            else
                st = fn(req, n, data);
        }
        g_free(text);
        json_decref(req);
        if (st == VT_OK) {
            if (unlinkat(dfd, n, 0) != 0 && errno != ENOENT)
                reject(dfd, spool_dir, n, "applied, but could not be removed");
        } else {
            reject(dfd, spool_dir, n, vt_error_message());
        }
        taken++;
    }
    close(dfd);
    g_ptr_array_free(names, TRUE);
    if (ret_count)
        *ret_count = taken;
    return VT_OK;
}
