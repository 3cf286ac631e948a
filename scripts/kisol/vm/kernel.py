# SPDX-License-Identifier: GPL-2.0-only
"""Guest kernels for the VM runner.

KERNEL is either a Debian series ("6.1", "6.12", or a more precise prefix
such as "6.12.117"), which picks the newest linux-image-*-cloud-amd64
package of that series (apt-get download + dpkg -x into a cache), or a
path to a bzImage (optionally with a modules directory).  Kernel modules
are resolved with their dependencies read from the .modinfo section of
each module file, so neither depmod nor modules.dep is needed on the host.
"""
import lzma
import os
import re
import struct
import subprocess
from dataclasses import dataclass, field

PKG_RE = re.compile(r'^linux-image-(\d+\.\d+[0-9A-Za-z.+~-]*?)-cloud-amd64(-unsigned)?$')
SERIES_RE = re.compile(r'^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+~-]+)?$')
MOD_SUFFIXES = ('.ko', '.ko.xz', '.ko.zst', '.ko.gz')


class KernelError(Exception):
    """A user-caused problem with KERNEL (one line, exit 2)."""


@dataclass
class Kernel:
    spec: str               # what the user asked for
    image: str              # path to the bzImage
    release: str            # uname -r of the guest
    modules_dir: str = ''   # .../lib/modules/<release> or '' (no modules)
    package: str = ''       # Debian package name, '' for a user bzImage
    config: str = ''        # path of the kernel config, '' if unknown
    extra: dict = field(default_factory=dict)


def classify(spec):
    """('host'|'series'|'path', spec); raises KernelError on nonsense."""
    spec = (spec or '').strip()
    if not spec:
        raise KernelError("KERNEL is empty: give a Debian series like 6.1 or 6.12, or a path to a bzImage")
    if spec == 'host':
        return 'host', spec
    if '/' in spec or os.path.exists(spec):
        if not os.path.isfile(spec):
            raise KernelError(f"KERNEL path '{spec}' is not a file (expected a bzImage)")
        return 'path', spec
    if SERIES_RE.match(spec):
        return 'series', spec
    raise KernelError(f"bad KERNEL '{spec}': expected a Debian series like 6.1 or 6.12, or a path to a bzImage")


def _natural_key(s):
    return [(0, int(t), '') if t.isdigit() else (1, 0, t) for t in re.split(r'(\d+)', s) if t]


def pkg_version_part(name):
    m = PKG_RE.match(name)
    return m.group(1) if m else None


def series_matches(series, version):
    """'6.1' matches '6.1.0-57' but not '6.12.117+deb12'."""
    if version == series:
        return True
    if not version.startswith(series):
        return False
    return not version[len(series)].isdigit()


def select_package(series, names):
    """Newest linux-image-<ver>-cloud-amd64 of a series among package names.

    The meta package (linux-image-6.12-cloud-amd64) and -dbg packages are
    ignored; a signed image is preferred over the -unsigned one of the same
    version.  Returns None when nothing matches."""
    best = {}
    for n in names:
        n = n.strip()
        m = PKG_RE.match(n)
        if not m:
            continue
        ver = m.group(1)
        if ver == series and not re.search(r'[-+]', ver) and ver.count('.') == 1:
            continue        # meta package linux-image-6.12-cloud-amd64
        if not series_matches(series, ver):
            continue
        if ver not in best or not m.group(2):
            best[ver] = n
    if not best:
        return None
    return best[max(best, key=_natural_key)]


def bzimage_release(path):
    """Kernel release string from a bzImage header, or '' if unknown."""
    try:
        with open(path, 'rb') as f:
            head = f.read(0x10000)
        if head[0x202:0x206] != b'HdrS':
            return ''
        off = struct.unpack_from('<H', head, 0x20E)[0] + 0x200
        with open(path, 'rb') as f:
            f.seek(off)
            s = f.read(256).split(b'\0')[0].decode('ascii', 'replace')
        return s.split()[0] if s else ''
    except (OSError, struct.error, IndexError):
        return ''


def _run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        err = (r.stderr.strip().splitlines() or ['?'])[-1]
        raise KernelError(f"{' '.join(cmd[:2])} failed: {err}")
    return r.stdout


def apt_candidates(series):
    out = _run(['apt-cache', 'search', '--names-only', r'^linux-image-.*-cloud-amd64'])
    return [line.split(' - ')[0].strip() for line in out.splitlines()]


def available_series(names):
    """'6.1', '6.12', ... : the series that have a cloud image among names."""
    out = set()
    for n in names:
        m = PKG_RE.match(n.strip())
        if m:
            out.add('.'.join(m.group(1).split('.')[:2]).split('-')[0])
    return sorted(out, key=_natural_key)


def _no_package(series, names):
    have = ', '.join(available_series(names)) or 'none (apt-get update?)'
    return KernelError(f"KERNEL={series}: no linux-image-{series}*-cloud-amd64 package; "
                       f"valid series here: {have}, or a path to a bzImage")


def check_series(series, cache):
    """Fail fast (KernelError) when no package or cached kernel of series exists."""
    names = apt_candidates(series)
    if select_package(series, names):
        return
    try:
        cached = [d for d in os.listdir(cache) if os.path.isdir(os.path.join(cache, d, 'boot'))]
    except OSError:
        cached = []
    if select_package(series, cached):
        return
    if os.geteuid() == 0 and not names:
        return      # no package lists yet: fetch_debian runs apt-get update
    raise _no_package(series, names + cached)


def fetch_debian(series, cache):
    """Download and unpack the newest cloud kernel of a series into cache.

    Serialised with a lock file so that parallel runs share one download."""
    os.makedirs(cache, exist_ok=True)
    pkg = select_package(series, apt_candidates(series))
    if not pkg and os.geteuid() == 0:
        # a fresh machine may have no package lists yet
        subprocess.run(['apt-get', 'update', '-qq'], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        pkg = select_package(series, apt_candidates(series))
    if not pkg:
        raise _no_package(series, apt_candidates(series))
    import fcntl
    with open(os.path.join(cache, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _fetch_locked(series, cache, pkg)


def _fetch_locked(series, cache, pkg):
    root = os.path.join(cache, pkg)
    if not os.path.isdir(os.path.join(root, 'boot')):
        debs = [d for d in os.listdir(cache) if d.startswith(pkg + '_') and d.endswith('.deb')]
        if not debs:
            _run(['apt-get', 'download', '-q', pkg], cwd=cache)
            debs = [d for d in os.listdir(cache) if d.startswith(pkg + '_') and d.endswith('.deb')]
        if not debs:
            raise KernelError(f"apt-get download {pkg} produced no .deb")
        tmp = root + '.tmp'
        subprocess.run(['rm', '-rf', tmp], check=False)
        _run(['dpkg', '-x', os.path.join(cache, sorted(debs)[-1]), tmp])
        os.rename(tmp, root)
    boot = os.path.join(root, 'boot')
    images = sorted(f for f in os.listdir(boot) if f.startswith('vmlinuz-'))
    if not images:
        raise KernelError(f"{pkg} contains no vmlinuz")
    release = images[-1][len('vmlinuz-'):]
    mods = os.path.join(root, 'lib', 'modules', release)
    return Kernel(spec=series, image=os.path.join(boot, images[-1]), release=release,
                  modules_dir=mods if os.path.isdir(mods) else '', package=pkg,
                  config=os.path.join(boot, 'config-' + release))


def from_path(image, modules=''):
    release = bzimage_release(image) or os.path.basename(image)
    mdir = ''
    if modules:
        if not os.path.isdir(modules):
            raise KernelError(f"KERNEL_MODULES '{modules}' is not a directory")
        cand = os.path.join(modules, 'lib', 'modules', release)
        mdir = cand if os.path.isdir(cand) else modules
    cfg = ''
    for c in (os.path.join(os.path.dirname(image), '.config'),
              os.path.join(os.path.dirname(image), '..', '..', '..', '.config')):
        if os.path.isfile(c):
            cfg = os.path.normpath(c)
            break
    return Kernel(spec=image, image=image, release=release, modules_dir=mdir, config=cfg)


def resolve(spec, cache, modules=''):
    kind, spec = classify(spec)
    if kind == 'host':
        raise KernelError("KERNEL=host is only valid for 'make matrix'")
    if kind == 'path':
        return from_path(spec, modules)
    return fetch_debian(spec, cache)


# ---- modules ---------------------------------------------------------------

def module_name(path):
    base = os.path.basename(path)
    for suf in MOD_SUFFIXES:
        if base.endswith(suf):
            return base[:-len(suf)].replace('-', '_')
    return None


def index_modules(modules_dir):
    """{name: path} of every module file under modules_dir."""
    idx = {}
    for dirpath, _, files in os.walk(modules_dir):
        for f in files:
            n = module_name(f)
            if n:
                idx.setdefault(n, os.path.join(dirpath, f))
    return idx


def builtin_modules(modules_dir):
    names = set()
    try:
        with open(os.path.join(modules_dir, 'modules.builtin')) as f:
            for line in f:
                n = module_name(line.strip())
                if n:
                    names.add(n)
    except OSError:
        pass
    return names


def read_module(path):
    """Uncompressed bytes of a module file."""
    with open(path, 'rb') as f:
        data = f.read()
    if path.endswith('.xz'):
        return lzma.decompress(data)
    if path.endswith('.gz'):
        import gzip
        return gzip.decompress(data)
    if path.endswith('.zst'):
        return subprocess.run(['zstd', '-dc', path], stdout=subprocess.PIPE, check=True).stdout
    return data


def modinfo(data):
    """{key: value} from the .modinfo section of an ELF64 LE module."""
    if data[:4] != b'\x7fELF' or data[4] != 2:
        return {}
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3A)

    def sec(i):
        base = shoff + i * shentsize
        name, _typ, _flags, _addr, off, size = struct.unpack_from('<IIQQQQ', data, base)
        return name, off, size
    _, stroff, _ = sec(shstrndx)
    info = {}
    for i in range(shnum):
        name, off, size = sec(i)
        sname = data[stroff + name:data.index(b'\0', stroff + name)]
        if sname == b'.modinfo':
            for ent in data[off:off + size].split(b'\0'):
                if b'=' in ent:
                    k, v = ent.decode('utf-8', 'replace').split('=', 1)
                    info.setdefault(k, v)
    return info


def module_closure(wanted, index, builtin=(), deps_of=None):
    """Load order (dependencies first) for the wanted modules.

    Returns (order, missing): builtin modules are silently dropped, unknown
    ones are listed in missing.  deps_of(name) -> list of names; default
    reads the module's .modinfo."""
    if deps_of is None:
        def deps_of(n):
            d = modinfo(read_module(index[n])).get('depends', '')
            return [x.replace('-', '_') for x in d.split(',') if x]
    order, missing, seen = [], [], set()

    def visit(n):
        n = n.replace('-', '_')
        if n in seen:
            return
        seen.add(n)
        if n in builtin:
            return
        if n not in index:
            missing.append(n)
            return
        for d in deps_of(n):
            visit(d)
        order.append(n)
    for w in wanted:
        visit(w)
    return order, missing
