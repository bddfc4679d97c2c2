/**
 * The seccomp program, run through a classic-BPF interpreter written from the kernel's documented semantics
 * (Documentation/networking/filter.rst, Documentation/userspace-api/seccomp_filter.rst), against a table of
 * calls: (arch, syscall, arg0) → action. Numbers come from asm/unistd_64.h and asm-generic/unistd.h.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AUDIT_ARCH, CLONE_NEWUSER, compileSeccomp, DENIED, Errno, SeccompRet, syscallNumber, X32_SYSCALL_BIT, type SeccompArch } from "./seccomp.js";

/** Runs a sock_filter program over a seccomp_data (nr, arch, arg0 low word). */
function run(prog: Buffer, data: { nr: number; arch: number; arg0?: number }): number {
  const mem = Buffer.alloc(64);
  mem.writeInt32LE(data.nr, 0);
  mem.writeUInt32LE(data.arch >>> 0, 4);
  mem.writeUInt32LE((data.arg0 ?? 0) >>> 0, 16);
  let a = 0;
  for (let pc = 0; pc < prog.length / 8; ) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x20: a = mem.readUInt32LE(k); break; // ld [k]
      case 0x15: pc += a === k ? jt : jf; break; // jeq #k
      case 0x35: pc += a >= k ? jt : jf; break; // jge #k
      case 0x45: pc += (a & k) !== 0 ? jt : jf; break; // jset #k
      case 0x06: return k; // ret #k
      default: throw new Error(`unknown opcode ${code.toString(16)}`);
    }
  }
  throw new Error("fell off the end of the program");
}

const EPERM = SeccompRet.ERRNO | Errno.EPERM;
const ENOSYS = SeccompRet.ERRNO | Errno.ENOSYS;

describe("seccomp filter", () => {
  test("compileSeccomp: starts by loading the arch field (ld [4]) and is a whole number of 8-byte records", () => {
    for (const arch of ["x86_64", "aarch64"] as const) {
      const p = compileSeccomp(arch);
      assert.equal(p.length % 8, 0);
      assert.deepEqual([...p.subarray(0, 8)], [0x20, 0, 0, 0, 4, 0, 0, 0]);
      assert.equal(p.readUInt32LE(12), AUDIT_ARCH[arch]);
    }
  });

  const cases: Array<[string, SeccompArch, number, number | undefined, number]> = [
    // name, arch, nr, arg0, expected
    ["read is allowed", "x86_64", 0, undefined, SeccompRet.ALLOW],
    ["read is allowed", "aarch64", 63, undefined, SeccompRet.ALLOW],
    ["mount", "x86_64", 165, undefined, EPERM],
    ["mount", "aarch64", 40, undefined, EPERM],
    ["ptrace", "x86_64", 101, undefined, EPERM],
    ["ptrace", "aarch64", 117, undefined, EPERM],
    ["clone3 → ENOSYS (libc falls back to clone)", "x86_64", 435, undefined, ENOSYS],
    ["clone3 → ENOSYS", "aarch64", 435, undefined, ENOSYS],
    ["clone of a thread (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD...)", "x86_64", 56, 0x3d0f00, SeccompRet.ALLOW],
    ["fork via clone(SIGCHLD)", "aarch64", 220, 17, SeccompRet.ALLOW],
    ["clone with CLONE_NEWUSER", "x86_64", 56, CLONE_NEWUSER | 17, EPERM],
    ["clone with CLONE_NEWUSER", "aarch64", 220, CLONE_NEWUSER, EPERM],
    ["unshare(CLONE_NEWUSER)", "x86_64", 272, CLONE_NEWUSER, EPERM],
    ["unshare(CLONE_NEWUSER|CLONE_NEWNS)", "aarch64", 97, CLONE_NEWUSER | 0x20000, EPERM],
    ["unshare(CLONE_FILES) is allowed", "x86_64", 272, 0x400, SeccompRet.ALLOW],
    ["x32 ABI mount (0x40000000 | 165)", "x86_64", X32_SYSCALL_BIT | 165, undefined, SeccompRet.KILL_PROCESS],
    ["x32 ABI read", "x86_64", X32_SYSCALL_BIT, undefined, SeccompRet.KILL_PROCESS],
    // x86_64 mount is 165; on aarch64 165 is getrusage — numbers are per arch.
    ["aarch64 getrusage (165) is allowed", "aarch64", 165, undefined, SeccompRet.ALLOW],
  ];
  for (const [name, arch, nr, arg0, expected] of cases) {
    test(`compileSeccomp(${arch}): ${name}`, () => {
      assert.equal(run(compileSeccomp(arch), { nr, arch: AUDIT_ARCH[arch], arg0 }) >>> 0, expected >>> 0);
    });
  }

  test("compileSeccomp: every denied syscall answers EPERM on both arches", () => {
    for (const arch of ["x86_64", "aarch64"] as const) {
      const p = compileSeccomp(arch);
      for (const name of DENIED) assert.equal(run(p, { nr: syscallNumber(name, arch), arch: AUDIT_ARCH[arch] }) >>> 0, EPERM, `${arch} ${name}`);
    }
    for (const name of ["mount", "umount2", "pivot_root", "bpf", "keyctl", "setns", "open_tree", "fsopen", "mount_setattr", "kexec_load", "userfaultfd"]) assert.ok(DENIED.includes(name), name);
  });

  test("compileSeccomp: a foreign arch (i386 = 0x40000003, or x86_64 calls under the aarch64 filter) is killed", () => {
    assert.equal(run(compileSeccomp("x86_64"), { nr: 1, arch: 0x40000003 }) >>> 0, SeccompRet.KILL_PROCESS);
    assert.equal(run(compileSeccomp("aarch64"), { nr: 1, arch: AUDIT_ARCH.x86_64 }) >>> 0, SeccompRet.KILL_PROCESS);
  });
});
