# SPDX-License-Identifier: GPL-2.0-only
"""The guest's initramfs: busybox-static, the kisol install tree, exactly the
shared libraries its binaries need (ldd), and the kernel modules the cases
need with their dependencies.  Written as a newc cpio by Python itself, so
no root, cpio binary or device nodes on the host are needed.
"""
import os
import re
import stat
import subprocess

from kisol.vm import kernel as vm_kernel

BUSYBOX = '/bin/busybox'
TREE_DIR = 'opt/kisol'          # install tree inside the guest
CONF = 'etc/kisol-vm.conf'
MODLIST = 'etc/kisol-vm.modules'
MODDIR = 'lib/modules/kisol'

# Modules every guest gets when the kernel has them as modules.
BASE_MODULES = ('overlay', 'veth', 'bridge', 'dummy', 'macvlan', 'ipvlan', 'tun', 'loop',
                'virtio_pci', 'virtio_blk')   # the last two: the ext4 scratch disk
# CONFIG_ options of the cases' config fragments whose module name is not
# simply the lowercased option name.
CONFIG_MODULES = {
    'OVERLAY_FS': 'overlay', 'NET_SCH_NETEM': 'sch_netem', 'NET_SCH_HTB': 'sch_htb',
    'NET_SCH_TBF': 'sch_tbf', 'NET_IPIP': 'ipip', 'NET_IPGRE': 'ip_gre',
    'IPV6_SIT': 'sit', 'BRIDGE': 'bridge', 'VETH': 'veth', 'DUMMY': 'dummy',
    'MACVLAN': 'macvlan', 'IPVLAN': 'ipvlan', 'VXLAN': 'vxlan', 'TUN': 'tun',
    'NETFILTER_XT_MATCH_OWNER': 'xt_owner', 'NF_TABLES': 'nf_tables',
    'FUSE_FS': 'fuse', 'SQUASHFS': 'squashfs', 'BTRFS_FS': 'btrfs', 'XFS_FS': 'xfs',
    'EXT4_FS': 'ext4', 'BLK_DEV_LOOP': 'loop', 'MQUEUE': None,
}

PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'
GROUP = 'root:x:0:\nnogroup:x:65534:\n'


class InitramfsError(Exception):
    pass


# ---- newc cpio -------------------------------------------------------------

class Cpio:
    """Minimal newc writer.  Entries: (path, mode, data, rdev)."""

    def __init__(self):
        self.entries = {}

    def add_dir(self, path, mode=0o755):
        path = path.strip('/')
        parts = path.split('/')
        for i in range(1, len(parts) + 1):
            p = '/'.join(parts[:i])
            if p and p not in self.entries:
                self.entries[p] = (stat.S_IFDIR | (mode if i == len(parts) else 0o755), b'', 0)

    def add_file(self, path, data, mode=0o644):
        path = path.strip('/')
        if '/' in path:
            self.add_dir(path.rsplit('/', 1)[0])
        self.entries[path] = (stat.S_IFREG | (mode & 0o7777), data, 0)

    def add_symlink(self, path, target):
        path = path.strip('/')
        if '/' in path:
            self.add_dir(path.rsplit('/', 1)[0])
        self.entries[path] = (stat.S_IFLNK | 0o777, target.encode(), 0)

    def add_chardev(self, path, major, minor, mode=0o600):
        path = path.strip('/')
        if '/' in path:
            self.add_dir(path.rsplit('/', 1)[0])
        self.entries[path] = (stat.S_IFCHR | mode, b'', (major, minor))

    def add_host_file(self, path, src, mode=None):
        with open(src, 'rb') as f:
            data = f.read()
        self.add_file(path, data, mode if mode is not None else os.stat(src).st_mode)

    def listing(self):
        """Sorted [(path, kind)] with kind in dir/file/symlink/chardev."""
        kinds = {stat.S_IFDIR: 'dir', stat.S_IFREG: 'file', stat.S_IFLNK: 'symlink',
                 stat.S_IFCHR: 'chardev'}
        return sorted((p, kinds[stat.S_IFMT(m)]) for p, (m, _, _) in self.entries.items())

    def write(self, out_path):
        def hdr(ino, mode, nlink, size, rdev, name):
            maj, mnr = rdev if rdev else (0, 0)
            fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, maj, mnr, len(name) + 1, 0]
            return ('070701' + ''.join(f'{x:08x}' for x in fields)).encode() + name.encode() + b'\0'

        def pad(n):
            return b'\0' * ((4 - n % 4) % 4)
        with open(out_path, 'wb') as f:
            ino = 1
            for path in sorted(self.entries, key=lambda p: (p.count('/'), p)):
                mode, data, rdev = self.entries[path]
                h = hdr(ino, mode, 2 if stat.S_ISDIR(mode) else 1, len(data), rdev, path)
                f.write(h + pad(len(h)) + data + pad(len(data)))
                ino += 1
            h = hdr(0, 0, 1, 0, 0, 'TRAILER!!!')
            f.write(h + pad(len(h)))


# ---- content ---------------------------------------------------------------

def is_elf(path):
    try:
        with open(path, 'rb') as f:
            return f.read(4) == b'\x7fELF'
    except OSError:
        return False


_LDD_ARROW = re.compile(r'=>\s*(/\S+)')
_LDD_ABS = re.compile(r'^\s*(/\S+)\s+\(')


def ldd_libs(binaries, ldd=None):
    """Set of absolute library paths the binaries need (ldd output)."""
    libs = set()
    for b in binaries:
        if ldd is not None:
            out = ldd(b)
        else:
            r = subprocess.run(['ldd', b], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            out = r.stdout
        for line in out.splitlines():
            if 'not found' in line:
                raise InitramfsError(f"{b}: library missing on the host: {line.strip()}")
            m = _LDD_ARROW.search(line) or _LDD_ABS.match(line)
            if m:
                libs.add(m.group(1))
    return libs


def tree_files(root):
    """[(relpath, abspath)] of every file/symlink under an install tree."""
    out = []
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            a = os.path.join(dirpath, f)
            out.append((os.path.relpath(a, root), a))
    return out


def selected_collections(tree, areas):
    """[(collection, binary)] from kselftest-list.txt, filtered by areas."""
    path = os.path.join(tree, 'kselftest-list.txt')
    try:
        with open(path) as f:
            lines = [x.strip() for x in f if x.strip() and ':' in x]
    except OSError:
        raise InitramfsError(f"install tree '{tree}' has no kselftest-list.txt (run make install)") from None
    pairs = [tuple(x.split(':', 1)) for x in lines]
    if areas:
        want = {a if a.startswith('kisol/') else f'kisol/{a}' for a in areas}
        unknown = want - {c for c, _ in pairs}
        if unknown:
            raise InitramfsError(f"no such area in the install tree: {' '.join(sorted(unknown))}")
        pairs = [p for p in pairs if p[0] in want]
    return pairs


def wanted_modules(tree, kernel_config=''):
    """Module names the cases need: BASE_MODULES + their config fragments."""
    names = list(BASE_MODULES)
    configs = []
    for dirpath, _, files in os.walk(tree):
        if 'config' in files:
            configs.append(os.path.join(dirpath, 'config'))
    for c in configs:
        try:
            text = open(c).read()
        except OSError:
            continue
        for m in re.finditer(r'^CONFIG_([A-Z0-9_]+)=[ym]', text, re.M):
            opt = m.group(1)
            mod = CONFIG_MODULES.get(opt, opt.lower())
            if mod and mod not in names:
                names.append(mod)
    return names


def build(out_path, *, tree, init_script, conf_text, kernel, extra_files=None, ldd=None,
          busybox=BUSYBOX, extra_modules=()):
    """Write the initramfs; returns (listing, loaded_modules, missing_modules)."""
    cp = Cpio()
    for d in ('bin', 'sbin', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'tmp', 'run',
              'root', 'mnt', 'var/tmp', 'etc'):
        cp.add_dir(d)
    cp.add_chardev('dev/console', 5, 1)
    cp.add_chardev('dev/null', 1, 3, 0o666)
    cp.add_host_file('bin/busybox', busybox, 0o755)
    cp.add_symlink('bin/sh', 'busybox')
    cp.add_host_file('init', init_script, 0o755)
    cp.add_file('etc/passwd', PASSWD.encode())
    cp.add_file('etc/group', GROUP.encode())
    cp.add_file(CONF, conf_text.encode())
    elves = []
    for rel, src in tree_files(tree):
        dst = f'{TREE_DIR}/{rel}'
        if os.path.islink(src):
            cp.add_symlink(dst, os.readlink(src))
            continue
        cp.add_host_file(dst, src)
        if is_elf(src):
            elves.append(src)
    for path, text in (extra_files or {}).items():
        cp.add_file(path, text.encode())
    for lib in sorted(ldd_libs(elves, ldd)):
        cp.add_host_file(lib, os.path.realpath(lib), 0o755)
    order, missing = [], []
    if kernel.modules_dir:
        idx = vm_kernel.index_modules(kernel.modules_dir)
        builtin = vm_kernel.builtin_modules(kernel.modules_dir)
        want = wanted_modules(tree) + [m for m in extra_modules if m]
        order, missing = vm_kernel.module_closure(want, idx, builtin)
        known = set(BASE_MODULES) | {v for v in CONFIG_MODULES.values() if v} | set(extra_modules)
        missing = [m for m in missing if m in known]
        for n in order:
            cp.add_file(f'{MODDIR}/{n}.ko', vm_kernel.read_module(idx[n]))
    cp.add_file(MODLIST, ''.join(n + '\n' for n in order).encode())
    cp.write(out_path)
    return cp.listing(), order, missing
