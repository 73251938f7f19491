import { createHash } from 'node:crypto';
import type { JsonObject } from '../../core/api-call.ts';
import { formatPortaTime } from '../model/porta-time.ts';
import type { SimHandlerTable, SimSystem } from './sim-context.ts';
import { findCustomer, guardWrite, logWrite } from './locate.ts';
import { findOwned } from './owned-locate.ts';
import { optString, reqInt } from './params.ts';
import { simFault } from './sim-faults.ts';

/** Largest document the simulator keeps the metadata of (the listener's body cap applies first). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * Customer documents (contracts, ID scans) uploaded as `multipart/form-data`: the `params` field
 * holds `{i_customer, name?, description?}` and one file part carries the bytes.
 * `Customer/upload_document` → `{i_document, size, sha256}` (the simulator keeps the size and the
 * SHA-256 of the bytes, not the bytes); `Customer/get_document_list` (`i_customer`) and
 * `Customer/get_document_info` (`i_document`) read them back.
 */
export function registerDocumentService(table: SimHandlerTable, sys: SimSystem): void {
  const owned = sys.store.owned;

  table.set('Customer/upload_document', (ctx, params) => {
    if (ctx.user.realm === 'account') throw simFault('permissionDenied', 'The account realm cannot upload customer documents');
    const c = findCustomer(sys, ctx, { i_customer: reqInt(params, 'i_customer') });
    const files = ctx.files ?? [];
    const file = files[0];
    if (!file) throw simFault('validation', 'Customer/upload_document needs a multipart/form-data body with one file part');
    if (files.length > 1) throw simFault('validation', `Customer/upload_document takes one file part, got ${files.length}`);
    if (file.bytes.length > MAX_DOCUMENT_BYTES) throw simFault('validation', `The file is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    const fields: JsonObject = { filename: file.filename, content_type: file.contentType, size: file.bytes.length, sha256 };
    guardWrite(sys, 'Customer/upload_document', c.i_customer, undefined, fields);
    const i_document = owned.allocate('document');
    owned.putDocument({
      i_document,
      i_customer: c.i_customer,
      name: optString(params, 'name') ?? file.filename,
      description: optString(params, 'description') ?? '',
      ...fields,
      uploaded_at: formatPortaTime(Date.now()),
    });
    logWrite(sys, 'Customer/upload_document', c.i_customer, undefined, { i_document, ...fields });
    return { i_document, size: file.bytes.length, sha256 };
  });

  table.set('Customer/get_document_list', (ctx, params) => ({ document_list: owned.documentsOf(findCustomer(sys, ctx, params).i_customer) }));

  table.set('Customer/get_document_info', (ctx, params) => {
    const id = reqInt(params, 'i_document');
    findOwned(sys, ctx, ['document'], id, 'i_document', 'documentNotFound');
    const doc = owned.getDocument(id);
    if (!doc) throw simFault('documentNotFound', `Not found: i_document ${id}`);
    return { document_info: doc };
  });
}
