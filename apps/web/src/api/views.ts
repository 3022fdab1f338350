import { http } from './http';
import type {
  BatchSummary,
  InspectionSample,
  TeacherList,
  TeacherStatus,
  Transcript,
  UnitChildren,
  UnitPilotSchools,
  UnitProgress,
  UnitQuota,
  UnitTrend,
} from './types';

const path = encodeURIComponent;

/** The read side: every answer comes from a read model and says the position it was read at. */
export const viewsApi = {
  batches: () => http.get<{ batches: BatchSummary[] }>('/views/batches'),
  unitProgress: (unitId: string, batchId: string, minPosition?: number) =>
    http.get<UnitProgress>(`/views/units/${path(unitId)}/progress`, { batchId, minPosition }),
  unitChildren: (unitId: string, batchId: string) =>
    http.get<UnitChildren>(`/views/units/${path(unitId)}/children`, { batchId }),
  unitTrend: (unitId: string, batchId: string) =>
    http.get<UnitTrend>(`/views/units/${path(unitId)}/trend`, { batchId }),
  unitPilotSchools: (unitId: string, batchId: string) =>
    http.get<UnitPilotSchools>(`/views/units/${path(unitId)}/pilot-schools`, { batchId }),
  unitQuota: (unitId: string, batchId: string) =>
    http.get<UnitQuota>(`/views/units/${path(unitId)}/quota`, { batchId }),
  unitTeachers: (
    unitId: string,
    batchId: string,
    options: { status?: TeacherStatus; page?: number; pageSize?: number } = {},
  ) => http.get<TeacherList>(`/views/units/${path(unitId)}/teachers`, { batchId, ...options }),
  inspection: (sampleId: string, minPosition?: number) =>
    http.get<InspectionSample>(`/inspections/${path(sampleId)}`, { minPosition }),
  transcript: (teacherId: string, batchId?: string, minPosition?: number) =>
    http.get<Transcript>(`/views/teachers/${path(teacherId)}/transcript`, { batchId, minPosition }),
};
