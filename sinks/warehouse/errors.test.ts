import { describe, expect, it } from 'vitest';
import { canRetryWarehouseFailure, clickhouseCodeOf, toWarehouseError } from './errors.js';

describe('warehouse failures: which ones a retry can fix', () => {
  it.each([
    ['Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)', true],
    ['Code: 74. DB::Exception: Cannot write to file /d/store/x/tmp_insert_1/data.bin, errno: 28, strerror: No space left on device. (CANNOT_WRITE_TO_FILE_DESCRIPTOR)', true],
    ['Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS)', true],
    ['Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED)', true],
    ['Code: 210. DB::NetException: Connection refused. (NETWORK_ERROR)', true],
    ['Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR)', false],
    ['Code: 60. DB::Exception: Unknown table expression identifier. (UNKNOWN_TABLE)', false],
    ['Code: 1001. DB::Exception: std::exception. Code: 1001, type: std::__1::__fs::filesystem::filesystem_error, e.what() = filesystem error: in create_directories: Permission denied', false],
    ['Code: 76. DB::Exception: Cannot open file /d/store/x/tmp_insert/data.bin, errno: 30, strerror: Read-only file system. (CANNOT_OPEN_FILE)', false],
    ['Code: 76. DB::Exception: Cannot lock file /d/status. Another server instance in same directory is already running. (CANNOT_OPEN_FILE)', false],
  ])('%s -> retry %s', (message, retry) => {
    expect(canRetryWarehouseFailure({ message, clickhouseCode: clickhouseCodeOf(message) })).toBe(retry);
    expect(toWarehouseError(new Error(message), 'INSERT INTO t', { message, clickhouseCode: clickhouseCodeOf(message) }).code).toBe(
      retry ? 'WAREHOUSE_UNAVAILABLE' : 'WAREHOUSE_QUERY_FAILED',
    );
  });

  it('socket failures of a server are retried, a refused login is not', () => {
    expect(canRetryWarehouseFailure({ message: 'connect ECONNREFUSED 127.0.0.1:8123', errno: 'ECONNREFUSED' })).toBe(true);
    expect(canRetryWarehouseFailure({ message: 'socket hang up', errno: 'ECONNRESET' })).toBe(true);
    expect(canRetryWarehouseFailure({ message: 'Code: 516. Authentication failed', clickhouseCode: 516 })).toBe(false);
  });

  it('keeps the engine first line and names the statement', () => {
    const e = toWarehouseError(new Error('x'), '  INSERT INTO\n  journey_events  FORMAT Native', { message: 'Code: 62. Syntax error\nstack', clickhouseCode: 62 });
    expect(e.message).toBe('Code: 62. Syntax error (while running: INSERT INTO journey_events FORMAT Native)');
  });
});
