/**
 * A seccomp filter for sandboxed user code, compiled here to classic BPF (the format bubblewrap's
 * `--seccomp FD` loads) so no libseccomp is needed. It is defence in depth: the sandboxed process already
 * has no capabilities and an unprivileged uid, so these calls fail anyway; the filter keeps the kernel code
 * behind them (mount API, user namespaces, bpf, keyrings, io_uring...) out of reach of a kernel bug.
 *
 * Layout: check the arch (a foreign ABI — i386 or x32 on x86_64 — would have other syscall numbers, so it
 * kills the process), then one comparison per denied syscall. clone/unshare are refused only with
 * CLONE_NEWUSER in their flags (argument 0 on both arches); clone3 answers ENOSYS so libc falls back to
 * clone, whose flags the filter can see (clone3 passes them in memory, out of BPF's reach).
 */
export type SeccompArch = "x86_64" | "aarch64";

/** AUDIT_ARCH_* values (linux/audit.h): the `arch` field of seccomp_data. */
export const AUDIT_ARCH = { x86_64: 0xc000003e, aarch64: 0xc00000b7 } as const;
/** x32 system calls are x86_64 numbers with this bit set (same AUDIT_ARCH). */
export const X32_SYSCALL_BIT = 0x40000000;
export const CLONE_NEWUSER = 0x10000000;
export const Errno = { EPERM: 1, ENOSYS: 38 } as const;

export const SeccompRet = {
  KILL_PROCESS: 0x80000000,
  ERRNO: 0x00050000,
  ALLOW: 0x7fff0000,
} as const;

/** Syscall numbers: asm/unistd_64.h (x86_64) and asm-generic/unistd.h (aarch64). */
const SYSCALLS: Record<string, { x86_64: number; aarch64: number }> = {
  mount: { x86_64: 165, aarch64: 40 },
  umount2: { x86_64: 166, aarch64: 39 },
  pivot_root: { x86_64: 155, aarch64: 41 },
  ptrace: { x86_64: 101, aarch64: 117 },
  process_vm_readv: { x86_64: 310, aarch64: 270 },
  process_vm_writev: { x86_64: 311, aarch64: 271 },
  kexec_load: { x86_64: 246, aarch64: 104 },
  kexec_file_load: { x86_64: 320, aarch64: 294 },
  bpf: { x86_64: 321, aarch64: 280 },
  keyctl: { x86_64: 250, aarch64: 219 },
  add_key: { x86_64: 248, aarch64: 217 },
  request_key: { x86_64: 249, aarch64: 218 },
  init_module: { x86_64: 175, aarch64: 105 },
  finit_module: { x86_64: 313, aarch64: 273 },
  delete_module: { x86_64: 176, aarch64: 106 },
  reboot: { x86_64: 169, aarch64: 142 },
  swapon: { x86_64: 167, aarch64: 224 },
  swapoff: { x86_64: 168, aarch64: 225 },
  setns: { x86_64: 308, aarch64: 268 },
  open_by_handle_at: { x86_64: 304, aarch64: 265 },
  perf_event_open: { x86_64: 298, aarch64: 241 },
  userfaultfd: { x86_64: 323, aarch64: 282 },
  acct: { x86_64: 163, aarch64: 89 },
  syslog: { x86_64: 103, aarch64: 116 },
  // The new mount API (same numbers on every arch since 5.2).
  open_tree: { x86_64: 428, aarch64: 428 },
  move_mount: { x86_64: 429, aarch64: 429 },
  fsopen: { x86_64: 430, aarch64: 430 },
  fsconfig: { x86_64: 431, aarch64: 431 },
  fsmount: { x86_64: 432, aarch64: 432 },
  fspick: { x86_64: 433, aarch64: 433 },
  mount_setattr: { x86_64: 442, aarch64: 442 },
  // io_uring: a large attack surface; libuv and others fall back to threads when it is refused.
  io_uring_setup: { x86_64: 425, aarch64: 425 },
  io_uring_enter: { x86_64: 426, aarch64: 426 },
  io_uring_register: { x86_64: 427, aarch64: 427 },
  // Checked for CLONE_NEWUSER / answered ENOSYS, see above.
  unshare: { x86_64: 272, aarch64: 97 },
  clone: { x86_64: 56, aarch64: 220 },
  clone3: { x86_64: 435, aarch64: 435 },
};

/** Syscalls refused with EPERM whatever their arguments. */
export const DENIED = Object.keys(SYSCALLS).filter((n) => !["unshare", "clone", "clone3"].includes(n));

/** The number of a syscall on an arch (for tests and callers that inspect the table). */
export const syscallNumber = (name: string, arch: SeccompArch): number => SYSCALLS[name]![arch];

// Classic BPF opcodes (linux/filter.h).
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;
/** Offsets in struct seccomp_data { int nr; u32 arch; u64 ip; u64 args[6]; } (little-endian arches). */
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LOW = 16;

type Label = "allow" | "eperm" | "enosys" | "kill" | "newuser";
type Insn = { code: number; k: number; jt?: Label; jf?: Label; label?: Label };

/** Compiles the filter for one arch: a sequence of 8-byte sock_filter records, host byte order (LE). */
export function compileSeccomp(arch: SeccompArch): Buffer {
  const prog: Insn[] = [];
  prog.push({ code: BPF_LD_W_ABS, k: OFF_ARCH });
  prog.push({ code: BPF_JEQ_K, k: AUDIT_ARCH[arch], jf: "kill" });
  prog.push({ code: BPF_LD_W_ABS, k: OFF_NR });
  if (arch === "x86_64") prog.push({ code: BPF_JGE_K, k: X32_SYSCALL_BIT, jt: "kill" });
  for (const name of DENIED) prog.push({ code: BPF_JEQ_K, k: SYSCALLS[name]![arch], jt: "eperm" });
  prog.push({ code: BPF_JEQ_K, k: SYSCALLS.clone3![arch], jt: "enosys" });
  prog.push({ code: BPF_JEQ_K, k: SYSCALLS.clone![arch], jt: "newuser" });
  prog.push({ code: BPF_JEQ_K, k: SYSCALLS.unshare![arch], jt: "newuser" });
  prog.push({ code: BPF_RET_K, k: SeccompRet.ALLOW, label: "allow" });
  prog.push({ code: BPF_LD_W_ABS, k: OFF_ARG0_LOW, label: "newuser" });
  prog.push({ code: BPF_JSET_K, k: CLONE_NEWUSER, jt: "eperm" });
  prog.push({ code: BPF_RET_K, k: SeccompRet.ALLOW });
  prog.push({ code: BPF_RET_K, k: SeccompRet.ERRNO | Errno.EPERM, label: "eperm" });
  prog.push({ code: BPF_RET_K, k: SeccompRet.ERRNO | Errno.ENOSYS, label: "enosys" });
  prog.push({ code: BPF_RET_K, k: SeccompRet.KILL_PROCESS, label: "kill" });

  const at = new Map<Label, number>();
  prog.forEach((insn, i) => insn.label && at.set(insn.label, i));
  const out = Buffer.alloc(prog.length * 8);
  prog.forEach((insn, i) => {
    // Jumps are relative to the next instruction and must go forward within 255.
    const rel = (l?: Label) => {
      if (!l) return 0;
      const d = at.get(l)! - i - 1;
      if (d < 0 || d > 255) throw new Error(`seccomp: jump to ${l} out of range`);
      return d;
    };
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(rel(insn.jt), i * 8 + 2);
    out.writeUInt8(rel(insn.jf), i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}

/** The arch of this Node process as the filter names it, or undefined where no table exists. */
export function hostSeccompArch(): SeccompArch | undefined {
  if (process.arch === "x64") return "x86_64";
  if (process.arch === "arm64") return "aarch64";
  return undefined;
}
