//! `builtins.sort` as Nix 2.8 sorts: libstdc++'s `std::stable_sort` with its temporary buffer
//! (insertion sort of chunks of 7, merges between the array and the buffer, then one adaptive
//! merge of the two halves), calling the comparator in the same order, so that one that is not
//! a strict weak order gives Nix's order too. The TS twin is `stableSort` in
//! packages/eval/src/builtins.ts.

use super::value::{Value, R};

type Lt<'a> = dyn FnMut(&Value, &Value) -> R<bool> + 'a;

const CHUNK: usize = 7;

pub fn stable_sort(xs: &[Value], lt: &mut Lt<'_>) -> R<Vec<Value>> {
    let mut a = xs.to_vec();
    let n = a.len();
    if n < 2 {
        return Ok(a);
    }
    let mut buffer = vec![Value::Null; n];
    let middle = n.div_ceil(2);
    merge_sort_with_buffer(&mut a, 0, middle, &mut buffer, lt)?;
    merge_sort_with_buffer(&mut a, middle, n, &mut buffer, lt)?;
    merge_adaptive(&mut a, 0, middle, n, &mut buffer, lt)?;
    Ok(a)
}

fn insertion_sort(a: &mut [Value], first: usize, last: usize, lt: &mut Lt<'_>) -> R<()> {
    for i in first + 1..last {
        let v = a[i].clone();
        if lt(&v, &a[first])? {
            for k in (first + 1..=i).rev() {
                a[k] = a[k - 1].clone();
            }
            a[first] = v;
        } else {
            let mut k = i;
            while lt(&v, &a[k - 1])? {
                a[k] = a[k - 1].clone();
                k -= 1;
            }
            a[k] = v;
        }
    }
    Ok(())
}

/// Merges `[i1, e1)` and `[i2, e2)` of `from` into `to` from `out`; the left side wins ties.
#[allow(clippy::too_many_arguments)]
fn move_merge(
    from: &[Value],
    mut i1: usize,
    e1: usize,
    mut i2: usize,
    e2: usize,
    to: &mut [Value],
    mut out: usize,
    lt: &mut Lt<'_>,
) -> R<usize> {
    while i1 < e1 && i2 < e2 {
        if lt(&from[i2], &from[i1])? {
            to[out] = from[i2].clone();
            i2 += 1;
        } else {
            to[out] = from[i1].clone();
            i1 += 1;
        }
        out += 1;
    }
    for x in &from[i1..e1] {
        to[out] = x.clone();
        out += 1;
    }
    for x in &from[i2..e2] {
        to[out] = x.clone();
        out += 1;
    }
    Ok(out)
}

fn merge_sort_loop(
    from: &[Value],
    mut first: usize,
    last: usize,
    to: &mut [Value],
    mut out: usize,
    step: usize,
    lt: &mut Lt<'_>,
) -> R<()> {
    let two = 2 * step;
    while last - first >= two {
        out = move_merge(from, first, first + step, first + step, first + two, to, out, lt)?;
        first += two;
    }
    let s = (last - first).min(step);
    move_merge(from, first, first + s, first + s, last, to, out, lt)?;
    Ok(())
}

fn merge_sort_with_buffer(a: &mut [Value], first: usize, last: usize, buffer: &mut [Value], lt: &mut Lt<'_>) -> R<()> {
    let len = last - first;
    let mut c = first;
    loop {
        if last - c < CHUNK {
            insertion_sort(a, c, last, lt)?;
            break;
        }
        insertion_sort(a, c, c + CHUNK, lt)?;
        c += CHUNK;
    }
    let mut step = CHUNK;
    while step < len {
        merge_sort_loop(a, first, last, buffer, 0, step, lt)?;
        step *= 2;
        merge_sort_loop(buffer, 0, len, a, first, step, lt)?;
        step *= 2;
    }
    Ok(())
}

/// Merges the sorted runs `[first, middle)` and `[middle, last)` through the buffer.
fn merge_adaptive(
    a: &mut [Value],
    first: usize,
    middle: usize,
    last: usize,
    buffer: &mut [Value],
    lt: &mut Lt<'_>,
) -> R<()> {
    let (len1, len2) = (middle - first, last - middle);
    if len1 <= len2 {
        buffer[..len1].clone_from_slice(&a[first..middle]);
        // forward: the buffered left run against the right run, into place
        let (mut i1, mut i2, mut out) = (0, middle, first);
        while i1 < len1 && i2 < last {
            if lt(&a[i2], &buffer[i1])? {
                a[out] = a[i2].clone();
                i2 += 1;
            } else {
                a[out] = buffer[i1].clone();
                i1 += 1;
            }
            out += 1;
        }
        while i1 < len1 {
            a[out] = buffer[i1].clone();
            i1 += 1;
            out += 1;
        }
    } else {
        buffer[..len2].clone_from_slice(&a[middle..last]);
        // backward: the left run against the buffered right run, from the end
        if len1 == 0 || len2 == 0 {
            return Ok(());
        }
        let (mut l1, mut l2, mut out) = (middle - 1, len2 - 1, last);
        loop {
            if lt(&buffer[l2], &a[l1])? {
                out -= 1;
                a[out] = a[l1].clone();
                if l1 == first {
                    loop {
                        out -= 1;
                        a[out] = buffer[l2].clone();
                        if l2 == 0 {
                            return Ok(());
                        }
                        l2 -= 1;
                    }
                }
                l1 -= 1;
            } else {
                out -= 1;
                a[out] = buffer[l2].clone();
                if l2 == 0 {
                    return Ok(());
                }
                l2 -= 1;
            }
        }
    }
    Ok(())
}
